package io.mediapipeline.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.ledger.Claim;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.media.MediaInfo;
import io.mediapipeline.media.MediaKind;
import io.mediapipeline.support.IcloudUploadSchema;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run report on a real ledger: every file whose upload to iCloud moved in the run is listed with its disposition
 * and reason (files of earlier runs too), counted per disposition, without the upload receipt; and a `once` that
 * leaves uploads open or failed says which.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class IcloudReportTest {

    private static final String RECEIPT = "RECEIPT-TOKEN-must-not-reach-a-report";

    @TempDir
    static Path tmp;

    private static Database db;
    private static Ledger ledger;
    private static int files;

    @BeforeAll
    static void open() throws Exception {
        db = new PipelineHome(tmp).openLedger();
        ledger = new Ledger(db.dataSource());
        IcloudUploadSchema.ensure(db.dataSource());
    }

    @AfterAll
    static void close() {
        if (db != null) {
            db.close();
        }
    }

    @Test
    void reportListsEachUploadThatMovedInTheRunWithItsDisposition() throws Exception {
        long earlier = ledger.openRun("once", "test");
        UUID untouched = file(earlier, "untouched.jpg");
        deliver(untouched, "confirmed", null, null);
        UUID recheck = file(earlier, "rechecked.jpg");
        long recheckDelivery = deliver(recheck, "unproven", "asset not found after 120 s", null);
        UUID stillOpen = file(earlier, "still-open.jpg");
        deliver(stillOpen, "unproven", "asset not found after 120 s", null);

        long run = ledger.openRun("once", "test");
        Thread.sleep(20); // the run starts after the earlier run's rows changed
        UUID confirmed = file(run, "confirmed.jpg");
        long c = deliver(confirmed, "confirmed", null, run);
        ledger.rows("update deliveries set evidence = ?::jsonb where id = ? returning id",
                "{\"receipt\":{\"receipt\":\"" + RECEIPT + "\"},\"downloadedSha256\":\"ab\",\"duplicate\":false}", c);
        UUID unproven = file(run, "unproven.jpg");
        deliver(unproven, "unproven", "asset not found after 120 s", run);
        UUID failed = file(run, "failed.jpg");
        deliver(failed, "failed", "master size 10 differs from the 12 bytes uploaded", run);
        UUID registered = file(run, "registered.jpg");
        deliver(registered, "registered", null, run);
        UUID sent = file(run, "sent.jpg");
        deliver(sent, "sent", null, run);
        // a file of an earlier run proven now: its state change is what ties it to this run
        ledger.rows("update deliveries set state = 'confirmed', last_error = null where id = ? returning id", recheckDelivery);

        Path home = tmp.resolve("home");
        RunReport.Summary summary = new RunReport(ledger, home,
                new Unfinished(ledger, new Handoff(home.resolve("work"), List.of()), List.of())).write(run);

        assertThat(summary.icloud()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "confirmed", 2L, "unproven", 1L, "failed", 1L, "registered", 1L, "uploading", 1L));
        String text = Files.readString(summary.file());
        assertThat(text).doesNotContain(RECEIPT);
        JsonNode icloud = new ObjectMapper().readTree(text).path("icloud");
        assertThat(icloud.path("counts").path("confirmed").asLong()).isEqualTo(2);
        Map<String, JsonNode> byName = new java.util.HashMap<>();
        icloud.path("files").forEach(f -> byName.put(f.path("name").asText(), f));
        assertThat(byName).containsOnlyKeys("confirmed.jpg", "unproven.jpg", "failed.jpg", "registered.jpg", "sent.jpg",
                "rechecked.jpg");
        assertThat(byName.get("confirmed.jpg").path("reason").asText()).contains("size and checksum", "downloaded back");
        assertThat(byName.get("rechecked.jpg").path("disposition").asText()).isEqualTo("confirmed");
        assertThat(byName.get("unproven.jpg").path("reason").asText()).contains("asset not found after 120 s", "never uploaded twice");
        assertThat(byName.get("failed.jpg").path("reason").asText()).contains("master size 10 differs");
        assertThat(byName.get("registered.jpg").path("disposition").asText()).isEqualTo("registered");
        assertThat(byName.get("sent.jpg").path("disposition").asText()).isEqualTo("uploading");
        assertThat(byName.get("sent.jpg").path("account").asText()).isEqualTo("anna");

        // not done: what is still open (this run's or older), and what failed in this run
        assertThat(summary.notDone()).extracting(Unfinished.Item::what).containsExactlyInAnyOrder(
                "/compressed/still-open.jpg", "/compressed/unproven.jpg", "/compressed/registered.jpg",
                "/compressed/sent.jpg", "/compressed/failed.jpg");
        assertThat(summary.notDone()).filteredOn(i -> i.what().endsWith("failed.jpg"))
                .singleElement().extracting(Unfinished.Item::why).asString().contains("iCloud upload failed", "master size 10");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
        int exit;
        try {
            exit = RunOutcome.finish(summary);
        } finally {
            System.setOut(stdout);
        }
        assertThat(exit).isEqualTo(RunOutcome.NOT_DONE);
        assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8))
                .contains("Upload to iCloud: 2 confirmed, 1 registered (not proven yet), 1 unproven, 1 failed, 1 still uploading")
                .contains("/compressed/sent.jpg: iCloud upload sent (account anna): bytes sent, not registered yet");
    }

    private static UUID file(long run, String name) {
        String sha = String.format("%064x", 0x1c100000L + ++files);
        MediaInfo info = new MediaInfo(MediaKind.PHOTO, "jpeg", "jpg", "image/jpeg", 4, 4, null, 0, false, null, null,
                null, null, null, null);
        Claim claim = ledger.claim(sha, 12, info, "icloud", name, "/home/inbox/icloud/anna/" + name);
        long source = ledger.admitSource(run, "icloud", "icloud:" + name, "/home/inbox/icloud/anna/" + name, 12).sourceFileId();
        ledger.markIngested(claim.mediaId(), "/originals/" + name, source, sha);
        return claim.mediaId();
    }

    private static long deliver(UUID file, String state, String error, Long run) {
        String name = (String) ledger.rows("select original_name from media_files where id = ?", file).get(0).get("original_name");
        return ((Number) ledger.rows("""
                insert into deliveries (media_file_id, target, state, account, uploaded_path, uploaded_size, last_error, run_id)
                values (?, 'icloud', ?, 'anna', ?, 12, ?, ?) returning id""",
                file, state, "/compressed/" + name, error, run).get(0).get("id")).longValue();
    }
}
