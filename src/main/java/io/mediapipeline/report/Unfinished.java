package io.mediapipeline.report;

import io.mediapipeline.flow.Handoff;
import io.mediapipeline.ledger.Ledger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What a `once` run leaves undone, each with the reason: an input that never reached a final state, a file
 * in error (from this run or an earlier one), work still queued, a phone delivery not proven, an upload to iCloud
 * not proven yet (or failed in this run), a verified Live Photo half held back by its partner in error, an iCloud
 * account whose download did not end in success. Empty means every input and every stage is done.
 */
public class Unfinished {

    /** One thing not done: the file (or queue, or account) and why. */
    public record Item(String what, String why) {
    }

    private final Ledger ledger;
    private final Handoff handoff;
    private final List<String> icloudAccounts;

    /**
     * @param icloudAccounts the iCloud accounts this run downloads (empty when the source is off)
     */
    public Unfinished(Ledger ledger, Handoff handoff, List<String> icloudAccounts) {
        this.ledger = ledger;
        this.handoff = handoff;
        this.icloudAccounts = List.copyOf(icloudAccounts);
    }

    public List<Item> find(long runId) throws IOException {
        List<Item> items = new ArrayList<>();
        for (Map<String, Object> r : ledger.rows("""
                select source_path, last_error, failures from source_files
                 where run_id = ? and disposition = 'pending' order by id""", runId)) {
            items.add(new Item((String) r.get("source_path"), r.get("last_error") == null ? "not finished"
                    : "failed " + r.get("failures") + " time(s): " + r.get("last_error")));
        }
        // a photo dated in the future is not imported until someone fixes its date: not done, unlike a skipped link
        for (Map<String, Object> r : ledger.rows("""
                select source_path, reason from source_files
                 where run_id = ? and disposition = 'skipped' and reason like 'modified in the future%' order by id""",
                runId)) {
            items.add(new Item((String) r.get("source_path"), (String) r.get("reason")));
        }
        for (Map<String, Object> r : ledger.rows("""
                select coalesce(original_path, source_path) as path, error, error_from from media_files
                 where status = 'error' order by updated_at""")) {
            items.add(new Item((String) r.get("path"), "error while " + r.get("error_from") + ": " + r.get("error")));
        }
        // a Live Photo is cleaned as one item: a verified half whose partner is in error waits until that is fixed
        for (Map<String, Object> r : ledger.rows("""
                select coalesce(m.archive_path, m.original_path) as path, coalesce(p.original_path, p.source_path) as partner,
                       p.error_from, p.error
                  from media_files m join media_files p on p.id = m.live_pair_id
                 where m.status = 'verified' and p.status = 'error' order by m.id""")) {
            items.add(new Item((String) r.get("path"), "not cleaned: waiting for its Live Photo partner, which is in error: "
                    + r.get("partner") + " (error while " + r.get("error_from") + ": " + r.get("error") + ")"));
        }
        for (Map<String, Object> r : ledger.rows("""
                select original_path, compress_reason from media_files
                 where compress_decision = 'failed' and compressed_at >= (select started_at from runs where id = ?)
                 order by compressed_at""", runId)) {
            items.add(new Item((String) r.get("original_path"), "compress failed (the original is used; tried again "
                    + "on a later run): " + r.get("compress_reason")));
        }
        List<String> stages = handoff.stagesAfterIngest();
        for (Map<String, Object> r : ledger.rows("""
                select m.original_path, m.status, m.compress_decision from media_files m
                  join source_files s on s.media_file_id = m.id and s.disposition = 'imported'
                 where s.run_id = ? and (m.status = 'ingested' or m.compress_decision is null) order by s.id""", runId)) {
            if (stages.contains("organize") && "ingested".equals(r.get("status"))) {
                items.add(new Item((String) r.get("original_path"), "not organized into the archive yet"));
            }
            if (stages.contains("compress") && r.get("compress_decision") == null) {
                items.add(new Item((String) r.get("original_path"), "no compress decision yet (left for a later run)"));
            }
        }
        for (String stage : stages) {
            for (Path queued : queued(handoff.queue(stage))) {
                items.add(new Item(queued.toString(), "still queued for " + stage));
            }
        }
        if (stages.contains("pixel")) {
            // the confirmer logs a warning when a problem starts and an info line when it ends
            List<Map<String, Object>> problem = ledger.rows("""
                    select level, message from pipeline_logs
                     where stage = 'pixel' and run_id = ? and level in ('warn', 'info') order by id desc limit 1""", runId);
            if (!problem.isEmpty() && "warn".equals(problem.get(0).get("level"))) {
                items.add(new Item("Pixel delivery", "nothing could be proven at the end of the run: " + problem.get(0).get("message")));
            }
            for (Map<String, Object> r : ledger.rows("""
                    select d.staged_path, m.original_path,
                           coalesce(d.last_check, case when b.scanned_at is null then 'folder not scanned yet: ' || b.scan_error end,
                                    'not checked yet') as why
                      from deliveries d join media_files m on m.id = d.media_file_id
                      left join batches b on b.id = d.batch_id
                     where d.target = 'pixel' and d.state <> 'confirmed' order by d.id""")) {
                Object path = r.get("staged_path") != null ? r.get("staged_path") : r.get("original_path");
                items.add(new Item(String.valueOf(path), "not proven on the Pixel: " + r.get("why")));
            }
        }
        items.addAll(IcloudDispositions.open(ledger));
        items.addAll(IcloudDispositions.failedIn(ledger, runId));
        for (String account : icloudAccounts) {
            List<Map<String, Object>> last = ledger.rows("""
                    select outcome, message from icloud_attempts
                     where account = ? and kind not in ('login', 'upload') and started_at >= (select started_at from runs where id = ?)
                     order by id desc limit 1""", account, runId);
            if (last.isEmpty()) {
                List<Map<String, Object>> state = ledger.rows(
                        "select state, last_message from icloud_accounts where account = ?", account);
                items.add(new Item("iCloud " + account, "not downloaded in this run"
                        + (state.isEmpty() ? "" : " (" + state.get(0).get("state") + ": " + state.get(0).get("last_message") + ")")));
            } else if (!"success".equals(last.get(0).get("outcome"))) {
                items.add(new Item("iCloud " + account, "download " + (last.get(0).get("outcome") == null ? "did not finish"
                        : "ended " + last.get(0).get("outcome")) + ": " + last.get(0).get("message")));
            }
        }
        return items;
    }

    private static List<Path> queued(Path queue) throws IOException {
        if (!Files.isDirectory(queue)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(queue)) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        }
    }
}
