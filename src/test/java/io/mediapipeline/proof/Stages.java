package io.mediapipeline.proof;

import io.mediapipeline.config.Settings;
import io.mediapipeline.ledger.Database;

/** TEMPORARY until the stages land: passes that do nothing. */
final class Stages implements Pipeline {

    static Pipeline start(World world, Settings settings, Database db) {
        return new Stages();
    }

    @Override
    public void verify() {
    }

    @Override
    public void cleanup() {
    }

    @Override
    public void purge() {
    }

    @Override
    public void scrub() {
    }
}
