package io.mediapipeline.cleanup;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mediapipeline.flow.OriginalRemoval;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What cleanup does for one verified file: finds the local copies the settings let go (its Pixel bridge copy,
 * its exact duplicates, leftover hand-off links in work/, inbox leftovers), checks the copies the ledger names,
 * then moves each copy that holds the file's bytes to trash/ (or lists it, in a dry run) and asks for the
 * original at its source. Copies are only ever taken from bridge/pixel/, duplicates/, work/ and inbox/: never
 * icloud/ (icloudpd would download the file again), originals/, sorted/ or compressed/.
 */
class FileCleanup {

    private static final Logger LOG = LoggerFactory.getLogger(FileCleanup.class);

    /** In a bridge item's reasons: the bytes the copy must hold when it is a Motion Photo, not the file itself. */
    private static final String MOTION_PHOTO_SHA256 = "motionPhotoSha256";

    /** A copy that may go, and what about it (beyond the ledger copies' check) says so. */
    record Item(String kind, Path path, Map<String, Object> because) {
    }

    private final CleanupConfig config;
    private final CleanupLedger ledger;
    private final Trash trash;
    private final IcloudOriginal icloud;
    private final Path home;
    private final ObjectMapper json = new ObjectMapper();

    FileCleanup(CleanupConfig config, CleanupLedger ledger, Trash trash) {
        this.config = config;
        this.ledger = ledger;
        this.trash = trash;
        this.icloud = new IcloudOriginal(config, ledger);
        this.home = config.home().toAbsolutePath().normalize();
    }

    /** Does what the settings allow; true when nothing more is to be done for the file (it may become cleaned). */
    boolean clean(CleanupLedger.Candidate f, Pass pass) throws IOException {
        List<Item> items = new ArrayList<>();
        boolean waiting = config.bridge() && bridge(f, pass, items);
        if (config.duplicates()) {
            for (String d : ledger.duplicates(f.id())) {
                addIfThere(items, "duplicate", Path.of(d), "duplicates", Map.of("duplicateOf", f.sha256()));
            }
        }
        workLinks(f, items);
        for (String input : ledger.inputs(f.id())) {
            addIfThere(items, "inbox", Path.of(input), "inbox", Map.of("input", "left in the inbox after ingest"));
        }
        Optional<OriginalRemoval> removal = icloud.due(f, pass);
        if (items.isEmpty() && removal.isEmpty()) {
            return !waiting;
        }
        LedgerCopies.Checked copies = LedgerCopies.check(f);
        if (!copies.ok()) {
            LOG.warn("Cleanup of {} blocked: {}; nothing of it is removed", f.id(), copies.problem());
            for (Item item : items) {
                ledger.list(f.id(), pass.runId, item.kind(), trash.relative(item.path()), null, null, "kept", null,
                        "not removed: " + copies.problem());
            }
            pass.count("blocked");
            return false;
        }
        for (Item item : items) {
            remove(f, item, copies, pass);
        }
        boolean finalAnswer = removal.isEmpty() || icloud.ask(removal.get(), f, pass);
        return !waiting && finalAnswer;
    }

    /**
     * For a cleaned file cleanup comes back to: asks for its original at the source when that is due now, after the
     * same check of the ledger copies; nothing local is touched and the file stays cleaned.
     */
    void original(CleanupLedger.Candidate f, Pass pass) throws IOException {
        Optional<OriginalRemoval> removal = icloud.due(f, pass);
        if (removal.isEmpty()) {
            return;
        }
        LedgerCopies.Checked copies = LedgerCopies.check(f);
        if (!copies.ok()) {
            LOG.warn("Cleanup: the original of {} stays at its source: {}", f.id(), copies.problem());
            pass.count("blocked");
            return;
        }
        icloud.ask(removal.get(), f, pass);
    }

    /** Adds the bridge copy when its batch is all verified and the phone keeps its copies; true while it must wait. */
    private boolean bridge(CleanupLedger.Candidate f, Pass pass, List<Item> items) {
        CleanupLedger.BridgeCopy b = ledger.bridgeCopy(f.id());
        if (b == null || !there(Path.of(b.stagedPath()), "bridge/pixel")) {
            return false;
        }
        if (!b.batchVerified()) {
            LOG.debug("Cleanup: the bridge copy of {} waits for the rest of batch {}", f.id(), b.batch());
            return true;
        }
        if (pass.bridgeStays().isPresent()) {
            return true;
        }
        Map<String, Object> because = new LinkedHashMap<>(Map.of("batch", String.valueOf(b.batch()),
                "batchVerified", true, "phoneKeepsItsCopies", true));
        if (b.motionPhotoSha256() != null) {
            // the Motion Photo of a Live Photo (both halves verified: they share the batch): its bytes are its own
            because.put(MOTION_PHOTO_SHA256, b.motionPhotoSha256());
            because.put("motionPhotoWith", String.valueOf(b.motionPhotoWith()));
        }
        items.add(new Item("bridge", Path.of(b.stagedPath()), because));
        return false;
    }

    /** Hand-off links named by the file's sha256 left in work/&lt;stage&gt;/ (compress's only once it decided). */
    private void workLinks(CleanupLedger.Candidate f, List<Item> items) throws IOException {
        Path work = home.resolve("work");
        if (!Files.isDirectory(work)) {
            return;
        }
        List<Path> queues;
        try (Stream<Path> s = Files.list(work)) {
            queues = s.filter(Files::isDirectory).filter(q -> !q.getFileName().toString().startsWith("."))
                    .filter(q -> f.compressDecision() != null || !q.getFileName().toString().equals("compress"))
                    .sorted().toList();
        }
        for (Path q : queues) {
            // the hand-off name is the ledger key: <sha256>.<extension>
            addIfThere(items, "work", q.resolve(f.sha256() + "." + f.extension()), "work",
                    Map.of("queue", q.getFileName().toString()));
        }
    }

    private void addIfThere(List<Item> items, String kind, Path p, String root, Map<String, Object> because) {
        if (there(p, root)) {
            items.add(new Item(kind, p.toAbsolutePath().normalize(), because));
        }
    }

    /** A regular file under pipeline.home/&lt;root&gt;/ (the only folders cleanup takes from). */
    private boolean there(Path p, String root) {
        Path abs = p.toAbsolutePath().normalize();
        return abs.startsWith(home.resolve(root)) && Files.isRegularFile(abs, LinkOption.NOFOLLOW_LINKS);
    }

    private void remove(CleanupLedger.Candidate f, Item item, LedgerCopies.Checked copies, Pass pass) throws IOException {
        String relative = trash.relative(item.path());
        long size = Files.size(item.path());
        String sha256 = (String) item.because().getOrDefault(MOTION_PHOTO_SHA256, f.sha256());
        if (!LedgerCopies.holdsBytes(item.path(), copies, sha256)) {
            if (ledger.list(f.id(), pass.runId, item.kind(), relative, size, null, "kept", null,
                    "its bytes are not the verified file's (sha256 " + sha256.substring(0, 12) + "...); left in place")) {
                LOG.warn("Cleanup: {} does not hold the bytes of verified file {}; left in place", relative, f.id());
            }
            pass.count("kept");
            return;
        }
        String proof = proof(f, item, copies);
        if (config.dryRun()) {
            if (ledger.list(f.id(), pass.runId, item.kind(), relative, size, sha256, "would-remove", proof, null)) {
                LOG.info("Dry run: would move to trash ({}): {}", item.kind(), relative);
            }
            pass.count("would remove");
            return;
        }
        trash.move(new Trash.Removal(f.id(), pass.runId, item.kind(), item.path(), size, sha256, proof), pass.guard);
        pass.count("trashed");
    }

    /** What proved the removal: the verification, the ledger copies checked now, and what about the copy allowed it. */
    private String proof(CleanupLedger.Candidate f, Item item, LedgerCopies.Checked copies) throws IOException {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("verifiedAt", String.valueOf(f.verifiedAt()));
        if (f.evidence() != null) {
            p.put("verifyEvidence", json.readTree(f.evidence()));
        }
        p.put("checkedNow", copies.proof());
        p.put("copy", item.because());
        return json.writeValueAsString(p);
    }
}
