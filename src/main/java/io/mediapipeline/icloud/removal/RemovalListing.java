package io.mediapipeline.icloud.removal;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The dry-run listing: plans every file whose original could leave iCloud, always as a dry run (recorded in
 * icloud_removals with dry_run, nothing in iCloud changed), and prints one line per file: what would go, or why
 * it never may.
 */
public final class RemovalListing {

    private final RemovalLedger ledger;
    private final Removal dryRun;

    public RemovalListing(RemovalConfig config, DataSource dataSource, Path home, Removal.Sessions sessions) {
        this.ledger = new RemovalLedger(dataSource);
        this.dryRun = new Removal(new RemovalConfig(config.enabled(), true, config.dateWindow()), dataSource, home, sessions);
    }

    /** Prints up to {@code limit} files; returns how many would go. */
    public int print(PrintStream out, int limit) {
        int wouldGo = 0;
        int listed = 0;
        for (UUID id : ledger.candidates(limit)) {
            listed++;
            Removal.Outcome o = dryRun.plan(id);
            String name = ledger.facts(id).map(RemovalLedger.Facts::originalName).orElse(id.toString());
            if (o instanceof Removal.Plan p) {
                wouldGo++;
                out.printf("would go  %s  (%s, asset %s, %s)%n", name, p.account(), p.assetRecord(), p.matched());
            } else if (o instanceof Removal.Refused r) {
                out.printf("keep      %s  %s%n", name, r.reason());
            } else if (o instanceof Removal.Failed f) {
                out.printf("unknown   %s  %s%n", name, f.reason());
            } else {
                throw new IllegalStateException("a dry run must not remove anything: " + o);
            }
        }
        out.printf("%d of %d file(s) would go from iCloud (dry run: nothing was changed)%n", wouldGo, listed);
        return wouldGo;
    }
}
