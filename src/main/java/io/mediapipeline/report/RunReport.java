package io.mediapipeline.report;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mediapipeline.flow.Durable;
import io.mediapipeline.flow.FileStore;
import io.mediapipeline.ledger.Ledger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes reports/run-&lt;timestamp&gt;.json: when the run started and ended, counts,
 * and one entry per input with where it ended up. Written atomically, then recorded in runs.
 */
public class RunReport {

    private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

    private final Ledger ledger;
    private final Path reports;
    private final Unfinished unfinished;
    private final ObjectMapper json = new ObjectMapper().findAndRegisterModules()
            .enable(SerializationFeature.INDENT_OUTPUT);
    /** Writes one value into a report being written, without a flush after each of thousands. */
    private final ObjectWriter entries = json.writer().without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);

    public RunReport(Ledger ledger, Path home) {
        this(ledger, home, null);
    }

    /** @param unfinished for `once`: what the run left undone goes into the report ("notDone"); null otherwise */
    public RunReport(Ledger ledger, Path home, Unfinished unfinished) {
        this.ledger = ledger;
        this.reports = home.resolve("reports");
        this.unfinished = unfinished;
    }

    /**
     * @param compression for this run's files with a compress decision: how many per decision, and "bytesSaved"
     *                    (empty when the stage is off or decided nothing)
     * @param icloud      how many files' iCloud uploads ended the run in each disposition (confirmed, unproven,
     *                    failed, registered, uploading); empty when none changed
     * @param notDone     what the run left undone and why (always empty without an {@link Unfinished})
     * @param nearGroups  groups of near-duplicates that gained a pair in this run (listed in "nearDuplicates")
     */
    public record Summary(Path file, Map<String, Long> counts, Map<String, Long> compression, Map<String, Long> icloud,
                          List<Unfinished.Item> notDone, int nearGroups) {

        public Summary(Path file, Map<String, Long> counts, Map<String, Long> compression, List<Unfinished.Item> notDone) {
            this(file, counts, compression, Map.of(), notDone);
        }

        public Summary(Path file, Map<String, Long> counts, Map<String, Long> compression, Map<String, Long> icloud,
                       List<Unfinished.Item> notDone) {
            this(file, counts, compression, icloud, notDone, 0);
        }
    }

    public Summary write(long runId) throws IOException {
        FileStore.guard().require(); // reports/ is under pipeline.home: never on a bare mount point
        Map<String, Object> run = ledger.rows("select started_at from runs where id = ?", runId).get(0);
        OffsetDateTime started = ((OffsetDateTime) toOffset(run.get("started_at")));
        OffsetDateTime finished = OffsetDateTime.now(ZoneOffset.UTC);
        Map<String, Long> counts = ledger.counts(runId);
        Map<String, Map<String, Object>> deliveries = new LinkedHashMap<>();
        for (Map<String, Object> d : ledger.rows("""
                select distinct m.sha256, d.target, d.state from deliveries d
                  join media_files m on m.id = d.media_file_id
                  join source_files s on s.media_file_id = m.id
                 where s.run_id = ?""", runId)) {
            deliveries.computeIfAbsent((String) d.get("sha256"), k -> new LinkedHashMap<>()).put((String) d.get("target"), d.get("state"));
        }
        Map<String, Long> compression = new TreeMap<>();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("run", runId);
        doc.put("startedAt", started.toString());
        doc.put("finishedAt", finished.toString());
        // when the last file of the run reached its last state (finishedAt also holds the quiet wait)
        Object lastWork = ledger.rows("""
                select greatest(max(s.updated_at), max(e.created_at)) as t
                  from source_files s left join file_events e on e.media_file_id = s.media_file_id
                 where s.run_id = ?""", runId).get(0).get("t");
        doc.put("workFinishedAt", lastWork == null ? null : toOffset(lastWork).toString());
        doc.put("counts", counts);
        IcloudDispositions.Run icloud = IcloudDispositions.of(ledger, runId);
        if (!icloud.files().isEmpty()) {
            // every file whose upload moved in this run, also files imported by an earlier run
            doc.put("icloud", Map.of("counts", icloud.counts(), "files", icloud.files()));
        }
        VerifySection.addTo(doc, ledger, runId);
        CleanupSection.put(doc, ledger, runId);
        ScrubSection.of(ledger, runId).ifPresent(scrub -> doc.put("scrub", scrub));
        GuardPauses.put(doc, ledger, runId);
        int nearGroups = NearSection.put(doc, ledger, runId);
        List<Unfinished.Item> notDone = unfinished == null ? List.of() : unfinished.find(runId);
        if (unfinished != null) {
            doc.put("notDone", notDone);
        }
        Files.createDirectories(reports);
        Path target = reports.resolve("run-" + NAME.format(finished) + "-" + runId + ".json");
        Path tmp = reports.resolve("." + target.getFileName() + FileStore.TEMP_SUFFIX);
        // the files one at a time, as the ledger hands them over (a backfill's run can hold a hundred thousand), and
        // the compression summary they add up to after them
        boolean moved = false;
        try (JsonGenerator out = json.createGenerator(tmp.toFile(), JsonEncoding.UTF8)) {
            out.writeStartObject();
            for (Map.Entry<String, Object> field : doc.entrySet()) {
                out.writeFieldName(field.getKey());
                entries.writeValue(out, field.getValue());
            }
            out.writeArrayFieldStart("files");
            ledger.eachRunFile(runId, row -> {
                try {
                    entries.writeValue(out, fileEntry(row, deliveries, compression));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            out.writeEndArray();
            if (!compression.isEmpty()) {
                out.writeFieldName("compression");
                entries.writeValue(out, compression);
            }
            out.writeEndObject();
            out.close();
            // the ledger names the report next: it is whole on disk first
            Durable.syncFile(tmp);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Durable.syncDir(reports);
            moved = true;
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp); // a report cut short is not left beside the whole ones
            }
        }
        ledger.closeRun(runId, target.toString(), json.writeValueAsString(counts));
        return new Summary(target, counts, compression, icloud.counts(), notDone, nearGroups);
    }

    /** One input's entry: where it ended up; its compress decision, if any, is added to the run's summary. */
    private static Map<String, Object> fileEntry(Map<String, Object> row, Map<String, Map<String, Object>> deliveries,
                                                 Map<String, Long> compression) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("source", row.get("source_path"));
        f.put("sha256", row.get("sha256"));
        f.put("status", statusOf(row));
        f.put("original", row.get("original_path"));
        f.put("compressed", row.get("compressed_path"));
        if (row.get("compress_decision") != null) {
            if ("imported".equals(row.get("disposition"))) {
                // the run's summary counts each imported file's decision once (duplicates share the row)
                compression.merge((String) row.get("compress_decision"), 1L, Long::sum);
                if ("compressed".equals(row.get("compress_decision")) && row.get("space_saved") instanceof Number n) {
                    compression.merge("bytesSaved", n.longValue(), Long::sum);
                }
            }
            // what goes back to iCloud and why: compressed, original, skipped or failed (the reason says)
            f.put("compression", Map.of("decision", row.get("compress_decision"),
                    "reason", String.valueOf(row.get("compress_reason"))));
        }
        f.put("archive", row.get("archive_path"));
        f.put("duplicateOf", row.get("duplicate_of"));
        f.put("place", row.get("place"));
        f.put("deliveries", deliveries.getOrDefault((String) row.get("sha256"), Map.of()));
        Object error = row.get("reason") != null ? row.get("reason")
                : "pending".equals(row.get("disposition")) ? row.get("last_error") : row.get("error");
        f.put("error", error);
        return f;
    }

    public boolean hasInputs(long runId) {
        return !ledger.rows("select 1 from source_files where run_id = ? limit 1", runId).isEmpty();
    }

    private static String statusOf(Map<String, Object> row) {
        String disposition = (String) row.get("disposition");
        if ("imported".equals(disposition) && row.get("status") != null) {
            return (String) row.get("status");
        }
        return disposition;
    }

    private static Object toOffset(Object v) {
        if (v instanceof java.sql.Timestamp ts) {
            return ts.toInstant().atOffset(ZoneOffset.UTC);
        }
        return v;
    }
}
