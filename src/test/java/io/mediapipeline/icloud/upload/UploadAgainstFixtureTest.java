package io.mediapipeline.icloud.upload;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mediapipeline.fixture.IcloudFixture;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real upload stage (picker, uploader, prover, the real web client signing in from icloudpd's session) against
 * the fixture's iCloud on loopback, one switchable fault at a time. After each: the files confirmed are exactly
 * those whose bytes the fixture's library holds, no content became two assets, and every other file is failed or
 * unproven with a reason, or still waiting where the account has to wait.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UploadAgainstFixtureTest {

    private static final int N = 3;

    @TempDir
    static Path tmp;

    private static PipelineHome home;
    private static Database db;

    private IcloudFixture fixture;
    private FixtureRig rig;

    @BeforeAll
    static void open() {
        home = new PipelineHome(tmp);
        db = home.openLedger();
    }

    @AfterAll
    static void close() {
        if (db != null) {
            db.close();
        }
    }

    @BeforeEach
    void fresh() throws Exception {
        fixture = new IcloudFixture();
        rig = new FixtureRig(home, db, fixture);
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void onAGoodDayEveryFileIsConfirmedByteExactAndTheTimePerFileIsMeasured() throws Exception {
        int n = 20;
        List<UUID> ids = rig.files("good", n);
        try (FixtureRig.Parts p = rig.parts("pipeline.target.icloud.proof.poll-initial-ms", "1",
                "pipeline.target.icloud.proof.poll-max-ms", "5")) {
            long start = System.nanoTime();
            p.uploadAll();
            long uploaded = System.nanoTime();
            p.prove();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.printf("iCloud fixture: %d files through upload + proof in %d ms = %.1f ms per file"
                    + " (upload %d ms, proof %d ms)%n", n, millis, (double) millis / n,
                    TimeUnit.NANOSECONDS.toMillis(uploaded - start), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - uploaded));
        }
        assertThat(rig.states(ids)).allSatisfy((id, state) -> assertThat(state).isEqualTo("confirmed"));
        rig.assertHonest(ids);
        assertThat(fixture.assetsCreated()).isEqualTo(n);
        assertThat(rig.uploadsReceived()).doesNotHaveDuplicates().hasSize(n);
        assertThat(rig.attempts()).containsExactly("upload:success");
    }

    @Test
    void uploadAcceptedButNoAssetEverAppearsIsUnprovenAndNotUploadedAgain() throws Exception {
        List<UUID> ids = rig.files("ghost", N);
        fixture.faults().neverIndex(true);
        try (FixtureRig.Parts p = rig.parts()) {
            p.uploadAll();
            p.prove();
        }
        assertThat(rig.states(ids)).allSatisfy((id, state) -> assertThat(state).isEqualTo("unproven"));
        assertThat((String) rig.delivery(ids.get(0)).get("last_error")).contains("not found in iCloud");
        rig.assertHonest(ids);

        // a later run looks them up again (never uploads them again); once iCloud shows them they are confirmed
        fixture.faults().neverIndex(false);
        try (FixtureRig.Parts later = rig.parts()) {
            assertThat(later.uploadAll()).isEmpty();
            rig.ledger.rows("update deliveries set next_check_at = now() where target = 'icloud' returning id");
            later.prover.check();
        }
        // the fixture decided visibility at putAsset time, so these stay unseen: still unproven, still once
        rig.assertHonest(ids);
        assertThat(fixture.assetsCreated()).isEqualTo(N);
        assertThat(fixture.count("createUploadUrl")).as("one reservation per file").isEqualTo(N);
    }

    @Test
    void notFoundForAFewSecondsThenPresentIsConfirmed() throws Exception {
        List<UUID> ids = rig.files("late", N);
        fixture.faults().indexAfter(Duration.ofSeconds(2));
        try (FixtureRig.Parts p = rig.parts("pipeline.target.icloud.proof.timeout-seconds", "8")) {
            p.uploadAll();
            p.prove();
        }
        assertThat(rig.states(ids)).allSatisfy((id, state) -> assertThat(state).isEqualTo("confirmed"));
        rig.assertHonest(ids);
        String evidence = (String) rig.delivery(ids.get(0)).get("evidence");
        assertThat(new ObjectMapper().readTree(evidence).path("lookups").asInt()).as("look-ups before it showed")
                .isGreaterThan(1);
        assertThat(fixture.assetsCreated()).isEqualTo(N);
    }

    @Test
    void aMasterOfAnotherSizeIsFailedWithTheReason() throws Exception {
        List<UUID> ids = rig.files("size", N);
        fixture.faults().wrongSize(true);
        try (FixtureRig.Parts p = rig.parts()) {
            p.uploadAll();
            p.prove();
        }
        assertThat(rig.states(ids)).allSatisfy((id, state) -> assertThat(state).isEqualTo("failed"));
        assertThat((String) rig.delivery(ids.get(0)).get("last_error")).contains("the master's size is");
        rig.assertHonest(ids);
    }

    @Test
    void aMasterWithAnotherChecksumIsFailedWithTheReason() throws Exception {
        List<UUID> ids = rig.files("sum", N);
        fixture.faults().wrongChecksum(true);
        try (FixtureRig.Parts p = rig.parts()) {
            p.uploadAll();
            p.prove();
        }
        assertThat(rig.states(ids)).allSatisfy((id, state) -> assertThat(state).isEqualTo("failed"));
        assertThat((String) rig.delivery(ids.get(0)).get("last_error")).contains("checksum is");
        rig.assertHonest(ids);
    }

    @Test
    void a409DuplicateWithTheExistingRecordNamesIsSuccessNotASecondAsset() throws Exception {
        List<UUID> ids = rig.files("dup", N);
        fixture.faults().forceDuplicate(true);
        try (FixtureRig.Parts p = rig.parts()) {
            p.uploadAll();
            p.prove();
        }
        assertThat(rig.states(ids)).allSatisfy((id, state) -> assertThat(state).isEqualTo("confirmed"));
        for (UUID id : ids) {
            assertThat(new ObjectMapper().readTree((String) rig.delivery(id).get("evidence")).path("duplicate").asBoolean())
                    .isTrue();
        }
        rig.assertHonest(ids);
        assertThat(fixture.assetsCreated()).isEqualTo(N);
    }

    @Test
    void theAnswerOfPutAssetLostIsRegisteredAgainAsADuplicate() throws Exception {
        List<UUID> ids = rig.files("lost", N);
        // the asset is created, then the answer is lost (the client sees a 500, retryable)
        fixture.faults().onPutAsset(a -> {
            throw new IllegalStateException("answer lost on purpose for " + a.fileName());
        });
        try (FixtureRig.Parts p = rig.parts()) {
            p.uploadAll();
            p.prove();
            assertThat(p.metrics.snapshot().get("icloud-upload.duplicate").longValue()).isEqualTo(N);
        }
        assertThat(rig.states(ids)).allSatisfy((id, state) -> assertThat(state).isEqualTo("confirmed"));
        for (UUID id : ids) {
            assertThat(new ObjectMapper().readTree((String) rig.delivery(id).get("evidence")).path("duplicate").asBoolean())
                    .as("registered again as a duplicate").isTrue();
        }
        rig.assertHonest(ids);
        assertThat(fixture.assetsCreated()).isEqualTo(N);
        assertThat(rig.uploadsReceived()).as("bytes sent once per file").hasSize(N);
    }

    @Test
    void a503OnAFileIsRetriedAndThenFine() throws Exception {
        List<UUID> ids = rig.files("flaky", N);
        fixture.faults().rejectPutAsset(503, true, 1);
        try (FixtureRig.Parts p = rig.parts()) {
            p.uploadAll();
            p.prove();
        }
        assertThat(rig.ledger.rows("select 1 from deliveries where target = 'icloud' and attempts > 0"))
                .as("the refused file was tried again").hasSize(1);
        assertThat(rig.states(ids)).allSatisfy((id, state) -> assertThat(state).isEqualTo("confirmed"));
        rig.assertHonest(ids);
        assertThat(fixture.assetsCreated()).isEqualTo(N);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"503", "429", "ACCESS_DENIED"})
    void throttlingBacksTheAccountOffThenAllGoesUpOnce(String signal) throws Exception {
        List<UUID> ids = rig.files("busy" + signal, N);
        if (signal.equals("ACCESS_DENIED")) {
            fixture.faults().accessDenied("createUploadUrl", 1);
        } else {
            fixture.faults().fail("createUploadUrl", Integer.parseInt(signal), 1);
        }
        try (FixtureRig.Parts p = rig.parts()) {
            assertThat(p.uploadAll()).hasSize(1);
            assertThat(rig.accountState()).isEqualTo("backing-off");
            assertThat(rig.attempts()).containsExactly("upload:throttled");
            assertThat(p.uploadAll()).as("no batch while backing off").isEmpty();
            rig.assertHonest(ids, "none");
        }
        rig.accountReady(); // the backoff has passed
        try (FixtureRig.Parts p = rig.parts()) {
            p.uploadAll();
            p.prove();
        }
        assertThat(rig.states(ids)).allSatisfy((id, state) -> assertThat(state).isEqualTo("confirmed"));
        rig.assertHonest(ids);
        assertThat(rig.attempts()).containsExactly("upload:throttled", "upload:success");
    }

    @Test
    void a421OnceResetsTheConnectionAndCarriesOn() throws Exception {
        List<UUID> ids = rig.files("misdirected", N);
        fixture.faults().misdirectOnce("putAsset").misdirectOnce("createUploadUrl").misdirectOnce("records/lookup");
        try (FixtureRig.Parts p = rig.parts()) {
            p.uploadAll();
            p.prove();
        }
        assertThat(rig.states(ids)).allSatisfy((id, state) -> assertThat(state).isEqualTo("confirmed"));
        rig.assertHonest(ids);
        assertThat(fixture.assetsCreated()).isEqualTo(N);
        assertThat(rig.accountState()).isEqualTo("ready");
        for (String endpoint : List.of("putAsset", "createUploadUrl", "records/lookup")) {
            List<IcloudFixture.Request> calls = fixture.requests().stream()
                    .filter(r -> r.endpoint().equals(endpoint)).toList();
            // a plain retry would reuse the kept-alive connection the 421 came on
            assertThat(calls.get(1).connection()).as(endpoint + " retried on a new connection")
                    .isNotEqualTo(calls.get(0).connection());
        }
    }

    @Test
    void aSessionExpiredMidBatchNeedsASignInAndThenResumesWithoutASecondAsset() throws Exception {
        List<UUID> ids = rig.files("expiry", 4);
        // sign-in takes 2 requests, each file 3 (reserve, upload, putAsset): expires during the second file
        fixture.faults().expireSessionAfter(2 + 3 + 1);
        try (FixtureRig.Parts p = rig.parts()) {
            p.uploadAll();
            assertThat(rig.accountState()).isEqualTo("auth-needed");
            assertThat(rig.attempts()).containsExactly("upload:auth-needed");
            assertThat(p.uploadAll()).as("no retry storm").isEmpty();
            p.prover.check();
            rig.assertHonest(ids, "none", "reserved", "sent", "registered");
        }
        long requestsWhileExpired = fixture.requests().size();
        // the owner signs in again on the login page: icloudpd writes a new session, the account is ready again
        fixture.writeSession(rig.cookieDir, FixtureRig.USER);
        rig.accountReady();
        try (FixtureRig.Parts p = rig.parts()) {
            p.uploadAll();
            p.prove();
        }
        assertThat(requestsWhileExpired).isLessThan(fixture.requests().size());
        assertThat(rig.states(ids)).allSatisfy((id, state) -> assertThat(state).isEqualTo("confirmed"));
        rig.assertHonest(ids);
        assertThat(fixture.assetsCreated()).isEqualTo(4);
    }

    @Test
    void anAdvancedDataProtectionAccountUploadsNothingAndFailsNothing() throws Exception {
        List<UUID> ids = rig.files("adp", N);
        fixture.faults().adp(true);
        try (FixtureRig.Parts p = rig.parts()) {
            assertThat(p.uploadAll()).isEmpty();
        }
        assertThat(rig.states(ids)).allSatisfy((id, state) -> assertThat(state).isEqualTo("none"));
        assertThat(fixture.count("createUploadUrl")).isZero();
        assertThat(fixture.assetsCreated()).isZero();
        assertThat(rig.ledger.rows("select message from pipeline_logs where stage = 'icloud-upload'"
                + " and message like '%Advanced Data Protection%'")).hasSize(1);
        rig.assertHonest(ids, "none");
    }

    @Test
    void downloadedBackEveryFileMatchesByteForByte() throws Exception {
        List<UUID> ids = rig.files("back", N);
        try (FixtureRig.Parts p = rig.parts("pipeline.target.icloud.proof.download-share-percent", "100")) {
            p.uploadAll();
            p.prove();
        }
        assertThat(rig.states(ids)).allSatisfy((id, state) -> assertThat(state).isEqualTo("confirmed"));
        for (UUID id : ids) {
            assertThat(new ObjectMapper().readTree((String) rig.delivery(id).get("evidence")).path("downloadedSha256")
                    .asText()).isEqualTo(rig.delivery(id).get("uploaded_sha256"));
        }
        assertThat(fixture.count("download")).isEqualTo(N);
        rig.assertHonest(ids);
    }
}
