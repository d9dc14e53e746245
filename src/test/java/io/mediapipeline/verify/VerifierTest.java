package io.mediapipeline.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mediapipeline.flow.Guard;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.flow.TargetProof;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.media.Hasher;
import io.mediapipeline.media.MediaInfo;
import io.mediapipeline.media.MediaKind;
import io.mediapipeline.ops.Metrics;
import io.mediapipeline.report.RunReport;
import io.mediapipeline.support.PipelineHome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verifier on a real embedded PostgreSQL with the app's migrations and real files under a pipeline.home: a file
 * becomes verified only when every local copy hashes to the ledger's value and every enabled target proves it;
 * anything missing or different is an error naming the copy; a target that is not ready leaves it archived.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class VerifierTest {

    @TempDir
    static Path tmp;

    private static PipelineHome pipeline;
    private static Database db;
    private static Ledger ledger;
    private static Path home;
    private static RunContext run;
    private static int files;

    private final AtomicInteger reads = new AtomicInteger();
    private final List<TargetProof> targets = new ArrayList<>();
    private volatile Guard guard = Guard.OPEN;

    @BeforeAll
    static void open() {
        pipeline = new PipelineHome(tmp).set("pipeline.verify.enabled", "true");
        home = pipeline.home();
        db = pipeline.openLedger();
        ledger = new Ledger(db.dataSource());
        run = new RunContext(ledger, "once", "test");
    }

    @AfterAll
    static void close() {
        if (db != null) {
            db.close();
        }
    }

    /** Nothing a test leaves archived is due for the next test's pass. */
    @AfterEach
    void notDueAnyMore() {
        ledger.rows("update media_files set verify_after = 'infinity' where status = 'archived' returning id");
    }

    @Test
    void allCopiesGoodAndTargetsProvenIsVerifiedWithTheEvidenceInItsHistory() throws Exception {
        Fixture f = archived(true, true);
        Instant seen = Instant.parse("2026-12-01T10:00:00Z");
        targets.add(new FakeTarget("pixel", true, id -> TargetProof.Verdict.proven(Map.of("device", "PHONE", "seenAt", seen,
                "files", List.of(Path.of("DCIM/x.jpg"))))));

        Map<String, Integer> counts = pass();

        assertThat(counts).containsEntry("verified", 1).containsEntry("errors", 0).containsEntry("waiting", 0);
        Map<String, Object> row = row(f.id);
        assertThat(row).containsEntry("status", "verified").containsEntry("verify_check", null);
        assertThat(row.get("verified_at")).isNotNull();
        JsonNode evidence = new ObjectMapper().readTree(ledger.rows("""
                select evidence::text as e from file_events
                 where media_file_id = ? and entity = 'media_file' and to_state = 'verified'""", f.id).get(0).get("e").toString());
        assertThat(evidence.toString())
                .contains("\"path\":\"" + home.relativize(f.archive) + "\"")
                .contains("\"path\":\"" + home.relativize(f.original) + "\"")
                .contains("\"path\":\"" + home.relativize(f.compressed) + "\"")
                .contains("\"sha256\":\"" + f.sha + "\"")
                .contains("\"sha256\":\"" + Hasher.sha256(f.compressed) + "\"")
                .contains("media_files.compressed_sha256");
        assertThat(evidence.at("/targets/pixel/device").asText()).isEqualTo("PHONE");
        assertThat(evidence.at("/targets/pixel/seenAt").asText()).isEqualTo("2026-12-01T10:00:00Z");
        assertThat(evidence.at("/targets/pixel/files/0").asText()).isEqualTo("DCIM/x.jpg");
        // the archive copy is a hard link of the original: one inode, read once; the compressed copy once
        assertThat(reads.get()).isEqualTo(2);
        assertThat(evidence.at("/copies/1/sameFileAs").asText()).isEqualTo("archive copy");
    }

    @Test
    void aCorruptedArchiveCopyIsAnErrorNamingItAndNeverVerified() throws Exception {
        Fixture f = archived(false, false);
        byte[] bytes = Files.readAllBytes(f.archive);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(f.archive, bytes);
        targets.add(new FakeTarget("pixel", true, id -> TargetProof.Verdict.proven(Map.of())));

        assertThat(pass()).containsEntry("errors", 1).containsEntry("verified", 0);

        Map<String, Object> row = row(f.id);
        assertThat(row).containsEntry("status", "error").containsEntry("error_from", "archived");
        assertThat((String) row.get("error")).startsWith("verify: archive copy " + home.relativize(f.archive) + ": sha256 ")
                .contains("expected " + f.sha.substring(0, 12));
        assertThat(history(f.id)).doesNotContain("verified");
        assertThat(ledger.rows("select message from pipeline_logs where stage = 'verify' and level = 'warn' and media_file_id = ?",
                f.id)).hasSize(1);
        // a copy-mode archive copy is a file of its own: both read
        assertThat(reads.get()).isEqualTo(2);
    }

    @Test
    void aMissingOriginalIsAnError() throws Exception {
        Fixture f = archived(true, false);
        Files.delete(f.original);

        assertThat(pass()).containsEntry("errors", 1);

        assertThat(row(f.id)).containsEntry("status", "error")
                .containsEntry("error", "verify: original " + home.relativize(f.original) + ": missing");
    }

    @Test
    void aChangedCompressedCopyIsAnError() throws Exception {
        Fixture f = archived(true, true);
        Files.writeString(f.compressed, "edited in place, same length or not");
        // the size is not recorded for this copy: only its bytes tell
        ledger.rows("update media_files set compressed_size = null where id = ? returning id", f.id);

        assertThat(pass()).containsEntry("errors", 1);

        assertThat((String) row(f.id).get("error"))
                .startsWith("verify: compressed copy " + home.relativize(f.compressed) + ": sha256 ");
    }

    @Test
    void aTargetThatIsNotReadyLeavesTheFileArchivedUntilItsRetryTime() throws Exception {
        Fixture f = archived(true, false);
        Instant holdEnds = Instant.now().plus(3, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        targets.add(new FakeTarget("pixel", true, id -> TargetProof.Verdict.waiting("hold until " + holdEnds, holdEnds)));
        targets.add(new FakeTarget("icloud", true, id -> TargetProof.Verdict.waiting("not uploaded yet", null)));

        assertThat(pass()).containsEntry("waiting", 1).containsEntry("verified", 0);

        Map<String, Object> row = row(f.id);
        assertThat(row).containsEntry("status", "archived")
                .containsEntry("verify_check", "pixel: hold until " + holdEnds + "; icloud: not uploaded yet");
        assertThat(((java.sql.Timestamp) row.get("verify_after")).toInstant()).isEqualTo(holdEnds);
        // not due any more: a second pass takes nothing, and `once` does not wait for it
        assertThat(verifier().pick()).isNull();
        assertThat(new VerifyLedger(db.dataSource()).dueCount(false)).isZero();
    }

    @Test
    void aTargetWithoutARetryTimeIsAskedAgainAfterTheRecheckPeriod() throws Exception {
        Fixture f = archived(true, false);
        targets.add(new FakeTarget("icloud", true, id -> TargetProof.Verdict.waiting("not uploaded yet", null)));

        pass();

        Instant after = ((java.sql.Timestamp) row(f.id).get("verify_after")).toInstant();
        assertThat(after).isBetween(Instant.now().plus(Duration.ofMinutes(59)), Instant.now().plus(Duration.ofMinutes(61)));
    }

    @Test
    void aTargetThatLostTheFileIsAnError() throws Exception {
        Fixture f = archived(true, false);
        targets.add(new FakeTarget("pixel", true, id -> TargetProof.Verdict.missing("deleted on the phone since its confirmation")));

        assertThat(pass()).containsEntry("errors", 1);

        assertThat(row(f.id)).containsEntry("status", "error")
                .containsEntry("error", "verify: pixel: deleted on the phone since its confirmation");
    }

    @Test
    void aDisabledTargetIsNotAsked() throws Exception {
        Fixture f = archived(true, false);
        FakeTarget off = new FakeTarget("pixel", false, id -> TargetProof.Verdict.missing("would block"));
        FakeTarget on = new FakeTarget("icloud", true, id -> TargetProof.Verdict.proven(Map.of("asset", "A1")));
        targets.add(off);
        targets.add(on);

        assertThat(pass()).containsEntry("verified", 1);

        assertThat(off.asked).isEmpty();
        assertThat(on.asked).containsExactly(List.of(f.id));
        assertThat(row(f.id)).containsEntry("status", "verified");
    }

    @Test
    void allFilesOfAPassAreAskedInOneCallPerTarget() throws Exception {
        Fixture a = archived(true, false);
        Fixture b = archived(true, false);
        FakeTarget pixel = new FakeTarget("pixel", true, id -> TargetProof.Verdict.proven(Map.of()));
        targets.add(pixel);

        assertThat(pass()).containsEntry("verified", 2);

        assertThat(pixel.asked).hasSize(1);
        assertThat(pixel.asked.get(0)).containsExactlyInAnyOrder(a.id, b.id);
    }

    @Test
    void aCompressedCopyMadeBeforeItsHashWasRecordedIsRecordedAtItsFirstVerify() throws Exception {
        Fixture f = archived(true, true);
        ledger.rows("update media_files set compressed_sha256 = null where id = ? returning id", f.id);

        assertThat(pass()).containsEntry("verified", 1);

        assertThat(row(f.id)).containsEntry("compressed_sha256", Hasher.sha256(f.compressed));
        assertThat(ledger.rows("select verify_evidence::text as e from media_files where id = ?", f.id).get(0).get("e").toString())
                .contains("recorded at first verify");
    }

    @Test
    void aKeptOriginalLinkedAsTheCompressedCopyIsComparedWithTheOriginal() throws Exception {
        Fixture f = archived(true, false);
        Path link = home.resolve("compressed/2024/05/01").resolve(f.original.getFileName());
        Files.createDirectories(link.getParent());
        Files.createLink(link, f.original);
        ledger.rows("update media_files set compress_decision = 'original', compressed_path = ? where id = ? returning id",
                link.toString(), f.id);

        assertThat(pass()).containsEntry("verified", 1);

        // three paths, one inode: read once; the hash is recorded for the next time
        assertThat(reads.get()).isEqualTo(1);
        assertThat(row(f.id)).containsEntry("compressed_sha256", f.sha);
    }

    @Test
    void anArchiveFolderThatIsNotThereMakesFilesWaitNotFail() throws Exception {
        Fixture f = archived(true, false);
        Path sorted = home.resolve("sorted");
        Path away = home.resolve("sorted.away");
        Files.move(sorted, away);
        try {
            assertThat(pass()).containsEntry("waiting", 1).containsEntry("errors", 0);
        } finally {
            Files.move(away, sorted);
        }
        assertThat(row(f.id)).containsEntry("status", "archived")
                .containsEntry("verify_check", "local copies: " + sorted + " is not there (is the disk mounted?)");
    }

    @Test
    void aCompressedCopyReplacedDuringThePassIsLookedAtAgainNotFailed() throws Exception {
        Fixture f = archived(true, true);
        Verifier v = verifier();
        List<VerifyLedger.Candidate> picked = v.pick();
        // compress places a new copy (another tier) and records it while the pass reads the old one
        Files.writeString(f.compressed, "re-encoded");
        ledger.rows("update media_files set compressed_sha256 = ?, compressed_size = ? where id = ? returning id",
                Hasher.sha256(f.compressed), Files.size(f.compressed), f.id);

        assertThat(v.verify(picked)).containsEntry("errors", 0).containsEntry("verified", 0);

        assertThat(row(f.id)).containsEntry("status", "archived").containsEntry("verify_after", null);
        assertThat(pass()).containsEntry("verified", 1);
    }

    @Test
    void whileTheGuardIsClosedNothingIsPicked() throws Exception {
        Fixture f = archived(true, false);
        guard = () -> java.util.Optional.of("NAS marker missing");

        assertThat(verifier().pick()).isNull();

        assertThat(row(f.id)).containsEntry("status", "archived").containsEntry("verify_after", null);
    }

    @Test
    void twoVerifiersNeverTakeTheSameFile() throws Exception {
        Fixture f = archived(true, false);
        Verifier first = verifier("node-a");
        Verifier second = verifier("node-b");

        List<VerifyLedger.Candidate> a = first.pick();
        assertThat(a).extracting(VerifyLedger.Candidate::id).containsExactly(f.id);
        assertThat(second.pick()).isNull();
        assertThat(row(f.id)).containsEntry("verify_check", "verifying on node-a");

        // node-a stopped mid-pass: on its restart the file is due again, and is verified once
        assertThat(verifier("node-a").releaseClaims()).isEqualTo(1);
        assertThat(second.verify(second.pick())).containsEntry("verified", 1);
        assertThat(first.verify(a)).containsEntry("verified", 0);
        assertThat(history(f.id)).containsOnlyOnce("verified");
    }

    @Test
    void aCleanedFileMayFailAndReturnToCleaned() throws Exception {
        Fixture f = archived(true, false);
        pass();
        for (String status : List.of("cleaned", "error", "cleaned")) {
            ledger.rows("update media_files set status = ? where id = ? returning id", status, f.id);
        }
        assertThat(history(f.id)).containsSubsequence("verified", "cleaned", "error", "cleaned");
    }

    @Test
    void onceWaitsOnlyForFilesThatAreDueAndNotWhileTheGuardIsClosed() throws Exception {
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            Handoff handoff = new Handoff(tmp.resolve("work"), List.of());
            camel.getRegistry().bind("handoff", handoff);
            camel.getRegistry().bind("guard", (Guard) () -> guard.blocked());
            camel.getRegistry().bind("pixelProof", new FakeTarget("pixel", true, id -> TargetProof.Verdict.waiting("not confirmed yet", null)));
            VerifyStage stage = new VerifyStage();
            stage.once = true;
            stage.check(pipeline.settings());
            Verifier v = stage.verifier(camel, pipeline.settings(), db.dataSource(), run, new Metrics());
            stage.configure(camel);
            Fixture f = archived(true, false);

            assertThat(handoff.pending()).isEqualTo(1);
            guard = () -> java.util.Optional.of("NAS marker missing");
            assertThat(handoff.pending()).isZero();
            guard = Guard.OPEN;

            // the pass asks the target bound in the registry, which is not ready: nothing left for `once` to wait for
            assertThat(v.verify(v.pick())).containsEntry("waiting", 1);
            assertThat(row(f.id)).containsEntry("verify_check", "pixel: not confirmed yet");
            assertThat(handoff.pending()).isZero();
        }
    }

    @Test
    void theRunReportListsTheFilesThatFailedVerificationWithTheirReasons() throws Exception {
        Fixture f = archived(true, false);
        Files.delete(f.original);
        pass();
        long runId = run.rollOver();

        Path report = new RunReport(ledger, home).write(runId).file();

        JsonNode verify = new ObjectMapper().readTree(report.toFile()).get("verify");
        assertThat(verify.get("errors").asInt()).isPositive();
        assertThat(verify.get("errorFiles").toString())
                .contains("\"file\":\"" + f.archive + "\"")
                .contains("\"reason\":\"original " + home.relativize(f.original) + ": missing\"");
    }

    // ---- fixtures ---------------------------------------------------------------------------------------------

    private Map<String, Integer> pass() {
        Verifier v = verifier();
        List<VerifyLedger.Candidate> picked = v.pick();
        assertThat(picked).as("files picked").isNotNull();
        return v.verify(picked);
    }

    private Verifier verifier() {
        return verifier("test-node");
    }

    private Verifier verifier(String node) {
        VerifyConfig cfg = new VerifyConfig(true, 60, 200, Duration.ofMinutes(60), false);
        LocalCopies copies = new LocalCopies(home, p -> {
            reads.incrementAndGet();
            return Hasher.sha256(p);
        });
        return new Verifier(cfg, new VerifyLedger(db.dataSource()), copies, () -> guard, () -> targets, run,
                new Metrics(), node, Clock.systemUTC());
    }

    private record Fixture(UUID id, String sha, Path original, Path archive, Path compressed) {
    }

    /** An archived photo: its original, its archive copy (a hard link, or a copy) and maybe a compressed copy. */
    private static synchronized Fixture archived(boolean linked, boolean withCompressed) throws Exception {
        int n = ++files;
        String name = "IMG_" + n + ".jpg";
        byte[] bytes = ("photo " + n + " " + "x".repeat(4000)).getBytes(StandardCharsets.UTF_8);
        Path original = home.resolve("originals/2024/05/01").resolve(name);
        Files.createDirectories(original.getParent());
        Files.write(original, bytes);
        String sha = Hasher.sha256(original);
        Path archive = home.resolve("sorted/photos/2024/05/01").resolve(name);
        Files.createDirectories(archive.getParent());
        if (linked) {
            Files.createLink(archive, original);
        } else {
            Files.copy(original, archive);
        }
        MediaInfo info = new MediaInfo(MediaKind.PHOTO, "jpeg", "jpg", "image/jpeg", 4, 4, null, 0, false, null, null,
                null, null, null, null);
        UUID id = ledger.claim(sha, bytes.length, info, "folder", name, "/library/" + name).mediaId();
        long runId = ledger.openRun("once", "test");
        String key = "folder:" + UUID.randomUUID();
        ledger.markIngested(id, original.toString(), ledger.admitSource(runId, "folder", key, key, bytes.length).sourceFileId(), sha);
        ledger.markArchived(id, archive.toString());
        Path compressed = null;
        if (withCompressed) {
            compressed = home.resolve("compressed/2024/05/01").resolve("IMG_" + n + ".webp");
            Files.createDirectories(compressed.getParent());
            Files.writeString(compressed, "smaller " + n);
            ledger.rows("""
                    update media_files set compress_decision = 'compressed', compressed_path = ?, compressed_sha256 = ?,
                           compressed_size = ? where id = ? returning id""",
                    compressed.toString(), Hasher.sha256(compressed), Files.size(compressed), id);
        }
        return new Fixture(id, sha, original, archive, compressed);
    }

    private static Map<String, Object> row(UUID id) {
        return ledger.rows("""
                select status, error, error_from, verified_at, verify_check, verify_after, compressed_sha256
                  from media_files where id = ?""", id).get(0);
    }

    private static List<String> history(UUID id) {
        return ledger.rows("select to_state from file_events where media_file_id = ? and entity = 'media_file' order by id", id)
                .stream().map(r -> (String) r.get("to_state")).toList();
    }

    /** A target answering by a rule, recording each call's ids. */
    private static final class FakeTarget implements TargetProof {
        private final String name;
        private final boolean enabled;
        private final Function<UUID, Verdict> answer;
        final List<List<UUID>> asked = new CopyOnWriteArrayList<>();

        FakeTarget(String name, boolean enabled, Function<UUID, Verdict> answer) {
            this.name = name;
            this.enabled = enabled;
            this.answer = answer;
        }

        @Override
        public String target() {
            return name;
        }

        @Override
        public boolean enabled() {
            return enabled;
        }

        @Override
        public Map<UUID, Verdict> check(Collection<UUID> ids) {
            asked.add(List.copyOf(ids));
            Map<UUID, Verdict> out = new java.util.HashMap<>();
            ids.forEach(id -> out.put(id, answer.apply(id)));
            return out;
        }
    }
}
