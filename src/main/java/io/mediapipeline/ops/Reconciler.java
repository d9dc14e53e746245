package io.mediapipeline.ops;

import io.mediapipeline.flow.FileStore;
import io.mediapipeline.flow.ReadOnlyOriginals;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs at startup, before any stage: temp files are removed (no row ever points at one) and originals of
 * earlier versions made read-only. Each stage puts back its own lost hand-offs in its Stage.configure.
 */
public class Reconciler {

    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);

    private final Path home;

    public Reconciler(Path home) {
        this.home = home;
    }

    public void reconcile() throws IOException {
        int temps = 0;
        for (String dir : List.of("originals", "duplicates", "quarantine", "sorted", "compressed", "work", "reports", "bridge")) {
            temps += FileStore.sweepTemps(home.resolve(dir));
        }
        int readOnly = ReadOnlyOriginals.ensure(home);
        if (readOnly > 0) {
            LOG.info("Made {} original(s) from an earlier version read-only (mode 0444)", readOnly);
        }
        if (temps > 0) {
            LOG.info("Recovered after an interrupted run: removed {} temp file(s)", temps);
        }
    }
}
