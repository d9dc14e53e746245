package io.mediapipeline.pixel;

import io.mediapipeline.flow.Durable;
import io.mediapipeline.media.Hasher;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files in the bridge's batch folders that no delivery names: a crash, or a ledger that failed, between a file's
 * placing and its row. Syncthing may have sent such a file to the phone already, so it must not be staged again in
 * another batch (the phone would hold it twice): it is recorded where it is, as the delivery of the content it holds,
 * when that content has none yet; its proof then comes as any other's. Whatever else a batch folder holds unnamed
 * is left alone, with a warning. Run by the stager itself, on its own thread, before it takes up a batch an
 * interrupted stager (this node's last run, or another node) left open: never beside a stager at work. Also what a
 * crash left of Motion Photos ({@link #motionPhotos}), at a start alone.
 */
final class BridgeStrays {

    private static final Logger LOG = LoggerFactory.getLogger(BridgeStrays.class);
    private static final int NAMED_IN_A_WARNING = 5;

    private final Path bridge;
    private final PixelLedger pixel;

    BridgeStrays(Path bridge, PixelLedger pixel) {
        this.bridge = bridge;
        this.pixel = pixel;
    }

    /** Records each stray that holds undelivered content as that content's delivery; returns how many. */
    int adopt() throws IOException {
        if (!Files.isDirectory(bridge)) {
            return 0;
        }
        Set<String> named = pixel.stagedNames();
        Map<String, UUID> batches = pixel.batchesByName();
        int adopted = 0;
        List<String> left = new ArrayList<>();
        try (DirectoryStream<Path> folders = Files.newDirectoryStream(bridge, p -> !hidden(p)
                && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))) {
            for (Path folder : folders) {
                String batch = folder.getFileName().toString();
                try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, p -> !hidden(p)
                        && !named.contains(batch + "/" + p.getFileName()) && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))) {
                    for (Path stray : files) {
                        if (adopted(stray, batches.get(batch))) {
                            adopted++;
                        } else {
                            left.add(bridge.relativize(stray).toString());
                        }
                    }
                }
            }
        }
        if (!left.isEmpty()) {
            LOG.warn("{} file(s) in {} are named by no Pixel delivery and could not be recorded as one; left alone: {}{}",
                    left.size(), bridge, String.join(", ", left.subList(0, Math.min(NAMED_IN_A_WARNING, left.size()))),
                    left.size() > NAMED_IN_A_WARNING ? ", ..." : "");
        }
        return adopted;
    }

    /** Whether the stray now is its content's delivery; a file that cannot be read is logged and left. */
    private boolean adopted(Path stray, UUID batch) {
        try {
            long size = Files.size(stray);
            if (batch == null || !pixel.undeliveredOfSize(size)) {
                return false; // nothing it could be: not hashed
            }
            UUID media = pixel.undelivered(Hasher.sha256(stray));
            if (media == null) {
                return false;
            }
            // a power cut may have come before the copy's bytes or name reached the disk: both go first
            Durable.syncFile(stray);
            Durable.syncDir(stray.getParent());
            if (!pixel.adopt(media, batch, stray.toString(), size)) {
                return false;
            }
        } catch (IOException e) {
            LOG.warn("Could not look at {} in the Pixel bridge: {}", stray, e.toString());
            return false;
        }
        LOG.warn("Recovered after an interrupted run: {} was staged for the Pixel but not recorded; recorded now, where"
                + " it is (it is not staged again)", bridge.relativize(stray));
        return true;
    }

    /**
     * A Motion Photo the ledger records as staged gets its name from its temp when a crash came between its rows and
     * its name; what is left of unrecorded builds goes (Syncthing ignores both meanwhile). Only at a start alone: a
     * Motion Photo another node is building looks the same.
     */
    void motionPhotos() throws IOException {
        for (PixelLedger.StagedMotionPhoto r : pixel.stagedMotionPhotos()) {
            switch (MotionPhoto.recover(Path.of(r.stagedPath()), r.sha256())) {
                case FINISHED -> LOG.info("Motion Photo {} recorded before a crash now has its name", r.stagedPath());
                case LOST -> LOG.error("Motion Photo {} is recorded as staged but is neither there nor under its temp;"
                        + " its Live Photo stays unconfirmed", r.stagedPath());
                case IN_PLACE -> { }
            }
        }
        int swept = MotionPhoto.sweep(bridge);
        if (swept > 0) {
            LOG.info("Removed {} unfinished, unrecorded Motion Photo build(s) from {}", swept, bridge);
        }
    }

    private static boolean hidden(Path p) {
        return p.getFileName().toString().startsWith(".");
    }
}
