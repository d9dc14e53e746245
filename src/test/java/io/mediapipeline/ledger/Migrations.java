package io.mediapipeline.ledger;

import java.nio.file.Path;
import javax.sql.DataSource;

/** Lets the integration tests (package it) run the app's own migration step on a database they made. */
public final class Migrations {

    private Migrations() {
    }

    public static void migrate(DataSource ds, Path migrations) {
        Database.migrate(ds, migrations);
    }
}
