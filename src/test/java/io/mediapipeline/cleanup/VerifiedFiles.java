package io.mediapipeline.cleanup;

import io.mediapipeline.flow.Durable;
import io.mediapipeline.flow.Guard;
import io.mediapipeline.flow.OriginalRemoval;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.flow.TargetProof;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.ledger.LedgerSql;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Verified files for cleanup's tests, made the way the pipeline makes them: real bytes in originals/, a hard link
 * in sorted/ (and in bridge/pixel/&lt;batch&gt;/ for a Pixel delivery), the ledger row walked through its legal
 * statuses ingesting -> ingested -> archived -> verified. Also the fakes of the beans cleanup asks.
 */
final class VerifiedFiles {

    private static final AtomicInteger SEQ = new AtomicInteger();

    final Path home;
    final Database db;
    final LedgerSql sql;
    final Ledger ledger;
    final RunContext run;

    VerifiedFiles(Path home, Database db) {
        this.home = home.toAbsolutePath().normalize();
        this.db = db;
        this.sql = new LedgerSql(db.dataSource());
        this.ledger = new Ledger(db.dataSource());
        this.run = new RunContext(ledger, "once", "test");
    }

    /** One media file and its places. */
    record File(UUID id, String sha256, Path original, Path archive, Path bridge) {
    }

    /** A file in 'archived' (not verified yet) with its original and archive copy. */
    File archived(String name) throws IOException {
        byte[] bytes = new byte[1000 + SEQ.incrementAndGet()];
        new Random(SEQ.get()).nextBytes(bytes);
        String sha = sha(bytes);
        Path original = home.resolve("originals/2026/01/" + name);
        Files.createDirectories(original.getParent());
        Files.write(original, bytes);
        Durable.makeReadOnly(original);
        Path archive = home.resolve("sorted/photos/2026/01/02/" + name);
        Files.createDirectories(archive.getParent());
        Files.createLink(archive, original);
        UUID id = sql.inTx(j -> j.queryForObject("""
                insert into media_files (sha256, size, kind, format, extension, source, original_name, source_path)
                values (?, ?, 'photo', 'jpeg', 'jpg', 'icloud', ?, ?) returning id""", UUID.class,
                sha, (long) bytes.length, name, home.resolve("inbox/icloud/me/" + name).toString()));
        sql.update("update media_files set status = 'ingested', original_path = ? where id = ?", original.toString(), id);
        sql.update("update media_files set status = 'archived', archive_path = ? where id = ?", archive.toString(), id);
        return new File(id, sha, original, archive, null);
    }

    /** archived -> verified, with the evidence verify records (a Pixel proof unless pixelEvidence is false). */
    File verify(File f, boolean pixelEvidence) {
        String evidence = pixelEvidence
                ? "{\"archive\":{\"sha256\":\"ok\"},\"pixel\":{\"state\":\"confirmed\",\"seenOnPhone\":true}}"
                : "{\"archive\":{\"sha256\":\"ok\"}}";
        sql.update("""
                update media_files set status = 'verified', verified_at = now(), verify_evidence = cast(? as jsonb)
                 where id = ? and status = 'archived'""", evidence, f.id());
        return f;
    }

    File verified(String name) throws IOException {
        return verify(archived(name), true);
    }

    /** The file staged for the Pixel in bridge/pixel/&lt;batch&gt;/ (a hard link) with a confirmed delivery. */
    File staged(File f, UUID batch, String batchName) throws IOException {
        Path bridge = home.resolve("bridge/pixel/" + batchName + "/" + f.original().getFileName());
        Files.createDirectories(bridge.getParent());
        Files.createLink(bridge, f.original());
        sql.update("""
                insert into deliveries (media_file_id, target, batch_id, state, staged_path, staged_size, confirmed_at)
                values (?, 'pixel', ?, 'confirmed', ?, ?, now())""", f.id(), batch, bridge.toString(), Files.size(bridge));
        return new File(f.id(), f.sha256(), f.original(), f.archive(), bridge);
    }

    UUID batch(String name) {
        return sql.inTx(j -> j.queryForObject(
                "insert into batches (target, status, name, folder) values ('pixel', 'confirmed', ?, ?) returning id",
                UUID.class, name, name));
    }

    void icloudConfirmed(File f) {
        sql.update("insert into deliveries (media_file_id, target, state, account, confirmed_at) values (?, 'icloud', 'confirmed', 'me', now())",
                f.id());
    }

    String status(File f) {
        return sql.inTx(j -> j.queryForObject("select status from media_files where id = ?", String.class, f.id()));
    }

    List<Map<String, Object>> removals(File f) {
        return ledger.rows("select kind, path, trash_path, state, reason, proof::text as proof, purge_after"
                + " from local_removals where media_file_id = ? order by id", f.id());
    }

    /** Earlier tests' verified and cleaned files are put aside (-> error), so a pass sees only this test's files. */
    void putAsideOthers() {
        sql.update("update media_files set status = 'error', error = 'another test' where status in ('verified', 'cleaned')");
    }

    CleanupConfig config(boolean dryRun, boolean bridge, boolean duplicates, boolean pixelOn) {
        return config(dryRun, bridge, duplicates, pixelOn, false);
    }

    /** With pipeline.target.icloud.removal.dry-run as {@code removalDryRun}. */
    CleanupConfig config(boolean dryRun, boolean bridge, boolean duplicates, boolean pixelOn, boolean removalDryRun) {
        return new CleanupConfig(true, dryRun, 60, bridge, duplicates, Duration.ofDays(30), "0 0 5 * * ?", home, pixelOn,
                removalDryRun);
    }

    Cleaner cleaner(CleanupConfig c, Beans beans) {
        CleanupLedger l = new CleanupLedger(db.dataSource());
        return new Cleaner(c, l, new FileCleanup(c, l, new Trash(home, l, c.retention())), run, beans);
    }

    /** The beans cleanup finds in the registry, as fakes a test sets. */
    static final class Beans implements Pass.Beans {
        volatile String guardClosed;
        /** When set, the guard itself (one that changes during a pass). */
        volatile Guard guard;
        volatile String phoneMustKeep;
        final FakeRemoval removal = new FakeRemoval();

        @Override
        public Guard guard() {
            return guard != null ? guard : () -> Optional.ofNullable(guardClosed);
        }

        @Override
        public Optional<TargetProof> target(String name) {
            return Optional.of(new TargetProof() {
                @Override
                public String target() {
                    return "pixel";
                }

                @Override
                public boolean enabled() {
                    return true;
                }

                @Override
                public Map<UUID, Verdict> check(java.util.Collection<UUID> ids) {
                    throw new UnsupportedOperationException("cleanup never asks for proof: verify did");
                }

                @Override
                public Optional<String> localCopiesMustStay() {
                    return Optional.ofNullable(phoneMustKeep);
                }
            });
        }

        @Override
        public Optional<OriginalRemoval> removal(String source) {
            return source.equals(removal.source()) ? Optional.of(removal) : Optional.empty();
        }
    }

    /**
     * An OriginalRemoval that records each call and answers what the test says; with {@code sql} set it also writes
     * the icloud_removals row the real one writes (a dry run's plan stays 'planned' with dry_run).
     */
    static final class FakeRemoval implements OriginalRemoval {
        volatile boolean enabled = true;
        volatile State answer = State.REMOVED;
        /** pipeline.target.icloud.removal.dry-run: every removal is planned as a dry run. */
        volatile boolean settingDryRun;
        volatile LedgerSql sql;
        final List<String> calls = new ArrayList<>();

        @Override
        public String source() {
            return "icloud";
        }

        @Override
        public boolean enabled() {
            return enabled;
        }

        @Override
        public synchronized Outcome remove(UUID mediaFileId, String approvedBy, String why, boolean dryRun) {
            calls.add(mediaFileId + " " + approvedBy + " dryRun=" + dryRun + " why=" + why);
            boolean dry = dryRun || settingDryRun;
            State state = answer == State.REMOVED && dry ? State.WOULD_REMOVE : answer;
            if (sql != null && state != State.NOT_APPLICABLE) {
                sql.update("insert into icloud_removals (media_file_id, state, reason, dry_run) values (?, ?, ?, ?)",
                        mediaFileId, state == State.WOULD_REMOVE ? "planned" : state.name().toLowerCase(java.util.Locale.ROOT),
                        state == State.REFUSED ? "a rule says no" : null, dry);
            }
            return new Outcome(state, state == State.REFUSED ? "a rule says no" : null);
        }
    }

    static String sha(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
