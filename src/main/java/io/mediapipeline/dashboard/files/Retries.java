package io.mediapipeline.dashboard.files;

import io.mediapipeline.flow.FileStore;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.ledger.LedgerSql;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Does what the failures page's Retry button says, after deciding again from the ledger as it is now (the page
 * may be old). Each retry is a ledger event (entity 'retry') beside the status change the triggers record; a
 * file is only ever moved by the flow's own durable, never-overwriting steps, and before its row points at it.
 */
public final class Retries {

    private static final Logger LOG = LoggerFactory.getLogger(Retries.class);
    static final String ORGANIZE = "organize";
    static final String COMPRESS = "compress";

    private final LedgerSql sql;
    private final Handoff handoff;
    private final Path home;
    private final int compressMaxFailures;

    /** @param compressMaxFailures pipeline.compress.max-failures: compress retries by itself below it */
    public Retries(DataSource ds, Handoff handoff, Path home, int compressMaxFailures) {
        this.compressMaxFailures = compressMaxFailures;
        this.sql = new LedgerSql(ds);
        this.handoff = handoff;
        this.home = home.toAbsolutePath().normalize();
    }

    /** What happened, in a sentence for the page; refused says why nothing was done. */
    public record Outcome(boolean done, String message) {
    }

    boolean organizeOn() {
        return handoff.stagesAfterIngest().contains(ORGANIZE);
    }

    boolean compressOn() {
        return handoff.stagesAfterIngest().contains(COMPRESS);
    }

    int compressMaxFailures() {
        return compressMaxFailures;
    }

    Path quarantine() {
        return home.resolve("quarantine");
    }

    /** A media file in error goes back to the status it failed in, for its stage to take it up again. */
    public Outcome file(String id) {
        Optional<UUID> uuid = Journey.uuid(id);
        List<Map<String, Object>> rows = uuid.isEmpty() ? List.of() : sql.inTx(j -> j.queryForList("""
                select id, original_name, sha256, extension, status, error, error_from, original_path, archive_path,
                       compressed_path from media_files where id = ?""", uuid.get()));
        if (rows.isEmpty() || !"error".equals(rows.get(0).get("status"))) {
            return new Outcome(false, "That file is not in error (any more).");
        }
        Map<String, Object> f = rows.get(0);
        RetryRules.Verdict verdict = RetryRules.forFile(f, organizeOn());
        String name = (String) f.get("original_name");
        if (!verdict.allowed()) {
            return new Outcome(false, "No retry for " + name + ": " + verdict.text() + ".");
        }
        String from = (String) f.get("error_from");
        String error = (String) f.get("error");
        String prefix = error.substring(0, error.indexOf(':') + 1);
        boolean changed = changedWithEvent(uuid.get(), "error", from,
                "asked on the dashboard: " + verdict.text().toLowerCase(java.util.Locale.ROOT) + " (was " + error + ")", """
                update media_files set status = error_from, error = null, verify_after = null, verify_check = null
                 where id = ? and status = 'error' and error_from = ? and error = ?""", uuid.get(), from, error);
        if (!changed) {
            return new Outcome(false, name + " changed meanwhile; look again.");
        }
        LOG.info("Retry asked on the dashboard: {} back to {} ({})", name, from, prefix);
        if (prefix.equals("organize:")) {
            // on failure the status is 'ingested' all the same: organize's start-up recovery queues it
            return queued(ORGANIZE, f, "its next start");
        }
        return new Outcome(true, name + " is back in " + from + "; verify checks it again on its next pass.");
    }

    /**
     * A file compress gave up on (max-failures reached) gets its failure count back to zero, so compress takes it
     * as one with retries left, and goes into compress's queue; its original is only read.
     */
    public Outcome compress(String id) {
        Optional<UUID> uuid = Journey.uuid(id);
        List<Map<String, Object>> rows = uuid.isEmpty() ? List.of() : sql.inTx(j -> j.queryForList("""
                select id, original_name, sha256, extension, original_path, compress_reason, compress_failures
                  from media_files where id = ? and compress_decision = 'failed' and compress_failures >= ?""",
                uuid.get(), compressMaxFailures));
        if (rows.isEmpty()) {
            return new Outcome(false, "Compress has not given up on that file (any more).");
        }
        Map<String, Object> f = rows.get(0);
        String name = (String) f.get("original_name");
        RetryRules.Verdict verdict = RetryRules.forCompress(f, compressOn());
        if (!verdict.allowed()) {
            return new Outcome(false, "No retry for " + name + ": " + verdict.text() + ".");
        }
        boolean changed = changedWithEvent(uuid.get(), "compress failed", "compress again", "asked on the dashboard after "
                + f.get("compress_failures") + " failure(s) (was " + f.get("compress_reason") + ")", """
                update media_files set compress_failures = 0
                 where id = ? and compress_decision = 'failed' and compress_failures >= ?""", uuid.get(), compressMaxFailures);
        if (!changed) {
            return new Outcome(false, name + " changed meanwhile; look again.");
        }
        LOG.info("Retry asked on the dashboard: compress {} again", name);
        return queued(COMPRESS, f, "its next start or daily pass");
    }

    /** The update, and when it changed the row, the retry's event with it, in one transaction. */
    private boolean changedWithEvent(UUID id, String from, String to, String detail, String update, Object... args) {
        return sql.inTx(j -> {
            int n = j.update(update, args);
            if (n == 1) {
                j.update("""
                        insert into file_events (media_file_id, entity, from_state, to_state, detail)
                        values (?, 'retry', ?, ?, ?)""", id, from, to, detail);
            }
            return n == 1;
        });
    }

    /** The file's original into the stage's queue; the ledger already says it is due, so a failure only delays it. */
    private Outcome queued(String stage, Map<String, Object> f, String later) {
        String name = (String) f.get("original_name");
        try {
            handoff.requeue(stage, Path.of((String) f.get("original_path")), (String) f.get("sha256"),
                    (String) f.get("extension"));
        } catch (IOException e) {
            return new Outcome(true, name + " could not be queued now (" + e.getMessage() + "); " + stage + " takes it at "
                    + later + ".");
        }
        return new Outcome(true, name + " is queued for " + stage + " again.");
    }

    /**
     * A quarantined input whose cause has passed goes back to its source's inbox by a durable move that
     * never overwrites; then its row says 'retried' and where it went. The new try gets a row of its own.
     */
    public Outcome input(long sourceFileId) {
        List<Map<String, Object>> rows = sql.inTx(j -> j.queryForList(
                "select id, source, source_path, place, reason, disposition from source_files where id = ?", sourceFileId));
        if (rows.isEmpty() || !"quarantined".equals(rows.get(0).get("disposition"))) {
            return new Outcome(false, "That input is not in quarantine (any more).");
        }
        Map<String, Object> q = rows.get(0);
        String name = Path.of((String) q.get("source_path")).getFileName().toString();
        RetryRules.Verdict verdict = RetryRules.forInput(q, quarantine());
        if (!verdict.allowed()) {
            return new Outcome(false, "No retry for " + name + ": " + verdict.text() + ".");
        }
        Path place = Path.of((String) q.get("place"));
        try {
            // a link in quarantine/ pointing elsewhere is not a copy the pipeline made
            if (!place.toRealPath().startsWith(quarantine().toRealPath())) {
                return new Outcome(false, "No retry for " + name + ": its quarantine copy is not inside quarantine/.");
            }
            Path moved = FileStore.moveNew(place, inboxFor(q), name);
            int n = sql.update("""
                    update source_files set disposition = 'retried', place = ?, retried_at = now(),
                           reason = 'handed back to its inbox from the dashboard (was: ' || reason || ')'
                     where id = ? and disposition = 'quarantined' and place = ?""",
                    moved.toString(), sourceFileId, place.toString());
            if (n == 0) {
                LOG.warn("Quarantined input {} changed while it was handed back; it is in {}", name, moved);
            }
            LOG.info("Retry asked on the dashboard: quarantined {} handed back to {}", name, home.relativize(moved));
            return new Outcome(true, name + " is back in " + home.relativize(moved) + " and is ingested again.");
        } catch (IOException e) {
            return new Outcome(false, "Could not hand " + name + " back: " + e.getMessage());
        }
    }

    /**
     * The folder it came from when that was in the source's inbox (inbox/icloud/ACCOUNT/..., so it stays with its
     * account); else inbox/&lt;source&gt;/retried/ (an input of the folder source, whose folder is never written).
     */
    private Path inboxFor(Map<String, Object> q) {
        Path inbox = home.resolve("inbox").resolve((String) q.get("source"));
        Path from = Path.of((String) q.get("source_path")).toAbsolutePath().normalize().getParent();
        if (from != null && from.startsWith(inbox) && !from.equals(inbox)) {
            return from;
        }
        return inbox.resolve("retried");
    }
}
