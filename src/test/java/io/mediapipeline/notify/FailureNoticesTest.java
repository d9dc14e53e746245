package io.mediapipeline.notify;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.status.Wording;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Failures grouped per hour, read safely from file_events; and the daily summary. */
class FailureNoticesTest extends NotifyTestSupport {

    @Test
    void aBurstOf50FailuresMakesAtMostMaxPerHourMessagesThatCountAll50() {
        NotifyConfig c = config(6, false);
        Parts p = parts(c);
        FailureDigest digest = new FailureDigest(p.outbox(), c.failuresGroup(), clock);
        digest.compose(); // the first start: the cursor begins at the newest event
        for (int i = 0; i < 50; i++) {
            if (i % 5 == 4) {
                quarantined("notes-" + i + ".txt", "not a photo or video (file says: ASCII text)");
            } else {
                failed("IMG_" + i + ".MOV", i % 2 == 0 ? "compress: ffmpeg exit 1 in /srv/media/originals/2026/11/IMG_" + i + ".MOV"
                        : "compress: ffmpeg exit 1 in /srv/media/work/compress/" + "ab12".repeat(16) + ".mov");
            }
            digest.compose();
            p.sender().send();
            clock.move(Duration.ofMinutes(1));
        }
        for (int m = 0; m < 70; m++) {
            digest.compose();
            p.sender().send();
            clock.move(Duration.ofMinutes(1));
        }

        assertThat(ntfy.requests).isNotEmpty();
        assertThat(ntfy.requests.size()).as("120 minutes at most 6 an hour").isLessThanOrEqualTo(12);
        assertThat(ntfy.requests.size()).as("grouped: one failures notice per hour").isLessThanOrEqualTo(3);
        int counted = 0;
        int compress = 0;
        int quarantine = 0;
        for (StandIn.Request r : ntfy.requests) {
            counted += number(r.body(), "^(\\d+) files? failed");
            compress += number(r.body(), "^(\\d+) compress - ffmpeg exit 1 in … \\(IMG_");
            quarantine += number(r.body(), "^(\\d+) quarantined - not a photo or video");
            assertThat(r.body()).doesNotContain("/srv/media");
        }
        assertThat(counted).isEqualTo(50);
        assertThat(compress).isEqualTo(40);
        assertThat(quarantine).isEqualTo(10);
        assertThat(ntfy.requests.get(0).body()).contains("IMG_0.MOV");

        // failures that wait for the group window survive a restart (new beans, the same ledger), and what was sent
        // before is not sent again
        failed("LATE_0.JPG", "organize: cannot link");
        digest.compose();
        p.sender().send();
        int before = ntfy.requests.size();
        for (int i = 1; i <= 3; i++) {
            failed("LATE_" + i + ".JPG", "organize: cannot link");
        }
        assertThat(digest.compose()).as("inside the group window").isZero();
        Parts again = parts(c);
        FailureDigest restarted = new FailureDigest(again.outbox(), c.failuresGroup(), clock);
        clock.move(Duration.ofMinutes(61));
        assertThat(restarted.compose()).isEqualTo(3);
        again.sender().send();
        assertThat(ntfy.requests).hasSize(before + 1);
        assertThat(ntfy.requests.get(before).body()).startsWith("3 files failed").contains("LATE_1.JPG")
                .doesNotContain("LATE_0.JPG").doesNotContain("IMG_");
    }

    @Test
    void aFailureWrittenByATransactionThatCommitsLateIsNotifiedOnceItCommits() throws Exception {
        NotifyConfig c = config(6, false);
        Parts p = parts(c);
        FailureDigest digest = new FailureDigest(p.outbox(), c.failuresGroup(), clock);
        digest.compose();
        try (Connection slow = db.dataSource().getConnection()) {
            slow.setAutoCommit(false);
            // this transaction's events get lower ids than the ones committed while it stays open
            UUID early;
            try (PreparedStatement st = slow.prepareStatement("""
                    insert into media_files (sha256, size, kind, format, extension, source, original_name)
                    values (?, 10, 'photo', 'jpeg', 'jpg', 'folder', 'EARLY.JPG') returning id""")) {
                st.setString(1, uniqueSha());
                var rs = st.executeQuery();
                rs.next();
                early = (UUID) rs.getObject(1);
            }
            try (PreparedStatement st = slow.prepareStatement(
                    "update media_files set status = 'error', error = 'organize: cannot link' where id = ?")) {
                st.setObject(1, early);
                st.executeUpdate();
            }
            failed("LATER.JPG", "organize: cannot link");
            clock.move(Duration.ofMinutes(61));
            assertThat(digest.compose()).as("nothing past a transaction still open").isZero();
            slow.commit();
        }
        clock.move(Duration.ofMinutes(1));
        assertThat(digest.compose()).isEqualTo(2);
        p.sender().send();
        assertThat(ntfy.requests).singleElement().satisfies(r -> assertThat(r.body()).startsWith("2 files failed")
                .contains("EARLY.JPG").contains("LATER.JPG"));
        clock.move(Duration.ofMinutes(61));
        assertThat(digest.compose()).as("each failure once").isZero();
    }

    @Test
    void theDailySummaryCountsWhatTheLedgerSaysOfTheLast24Hours() {
        Parts p = parts(config(6, false));
        DailySummary summary = new DailySummary(p.outbox(), Clock.systemUTC());
        DailySummary.Figures before = summary.compose();
        ledger.rows("delete from notify_outbox returning id");
        UUID a = media("A.JPG");
        UUID b = media("B.MOV");
        UUID old = media("OLD.JPG");
        media("C.JPG");
        ledger.rows("update media_files set created_at = now() - interval '3 days' where id = ? returning id", old);
        ledger.rows("""
                update media_files set compress_decision = 'compressed', compressed_at = now(), space_saved = 1500
                 where id = ? returning id""", b);
        ledger.rows("insert into deliveries (media_file_id, target, state, confirmed_at) values (?, 'pixel', 'confirmed', now()),"
                + " (?, 'pixel', 'confirmed', now() - interval '2 days'), (?, 'icloud', 'confirmed', now()) returning id", a, old, b);
        failed("D.JPG", "organize: cannot link");
        quarantined("E.TXT", "not a photo or video");

        DailySummary.Figures after = summary.compose();

        assertThat(after.filesIn() - before.filesIn()).isEqualTo(4); // A, B, C, D; not OLD
        assertThat(after.bytesSaved() - before.bytesSaved()).isEqualTo(1500);
        assertThat(after.deliveredPixel() - before.deliveredPixel()).isEqualTo(1);
        assertThat(after.deliveredIcloud() - before.deliveredIcloud()).isEqualTo(1);
        assertThat(after.failed() - before.failed()).isEqualTo(1);
        assertThat(after.quarantined() - before.quarantined()).isEqualTo(1);
        assertThat(after.pending() - before.pending()).isEqualTo(4);
        assertThat(after.inError() - before.inError()).isEqualTo(1);
        // and the text says the same as the ledger, read independently
        Map<String, Object> truth = ledger.rows("""
                select count(*) filter (where created_at > now() - interval '1 day') as files_in,
                       count(*) filter (where status in ('ingesting', 'ingested', 'archived')) as pending
                  from media_files""").get(0);
        p.sender().send();
        String body = ntfy.requests.get(ntfy.requests.size() - 1).body();
        assertThat(body).contains("Files in: " + truth.get("files_in")).contains("Now waiting: " + truth.get("pending"))
                .contains("Delivered to iCloud: " + after.deliveredIcloud())
                .contains("Space saved by compression: " + Wording.bytes(after.bytesSaved()));
    }
}
