package io.mediapipeline.proof;

import io.mediapipeline.flow.TargetProof.State;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * What must hold after every step, whatever the steps were: (a) every content is still where the ledger says, or in
 * trash/ with its removal row, or its damage is the test's own doing; (b) nothing was removed without its proof;
 * (c) nothing unverified was cleaned or verified without proof; (d) nothing removed twice; (e) nothing purged before
 * its retention; and while the guard is closed, or in a dry run, no file changed at all.
 */
final class Invariants {

    static final Set<String> REMOVED = Set.of("trashing", "trashed", "purged");

    /** The ledger and the folders at one moment. */
    record Snapshot(Map<UUID, String> status, Map<Object, Map<String, Object>> removals, Map<String, String> tree,
                    boolean guardClosed, int originalsRemoved, Instant now) {
    }

    /** What the step was allowed to do. */
    record Allowed(boolean pass, boolean verify, boolean cleanup, boolean dryRun, boolean bridge, boolean duplicates,
                   boolean purge, boolean recovery) {

        /** A step of the test's own (files arrive, bytes rot): the pipeline did nothing. */
        static final Allowed NOTHING = new Allowed(false, false, false, false, false, false, false, false);
    }

    private final World w;
    private final int retentionDays;
    /** Each removal row's purge_after when first seen, and how far the test moved the clock since. */
    private final Map<Object, Instant> firstPurgeAfter = new HashMap<>();
    private Duration clockMoved = Duration.ZERO;

    Invariants(World world, int retentionDays) {
        this.w = world;
        this.retentionDays = retentionDays;
    }

    void reset() {
        firstPurgeAfter.clear();
        clockMoved = Duration.ZERO;
    }

    void clockMoved(Duration d) {
        clockMoved = clockMoved.plus(d);
    }

    /** The ledger now; the folders too when {@code withTree} (a step that must change no file). */
    Snapshot take(boolean withTree) {
        Map<UUID, String> status = new HashMap<>();
        Instant now = null;
        for (Map<String, Object> r : w.ledger.rows("select id, status, now() as now from media_files"
                + " union all select null, null, now()")) {
            if (r.get("id") != null) {
                status.put((UUID) r.get("id"), (String) r.get("status"));
            }
            now = instant(r.get("now"));
        }
        Map<Object, Map<String, Object>> removals = new LinkedHashMap<>();
        if (w.schema.has("local_removals")) {
            for (Map<String, Object> r : w.ledger.rows("select * from local_removals order by 1")) {
                removals.put(r.get("id"), r);
                if (r.get("purge_after") != null) {
                    firstPurgeAfter.putIfAbsent(r.get("id"), instant(r.get("purge_after")));
                }
            }
        }
        return new Snapshot(status, removals, withTree || w.guard.closed() ? w.tree() : Map.of(), w.guard.closed(),
                w.removal.removedCount(), now);
    }

    /** The violations of the step that went from {@code before} to {@code after} (empty: all well). */
    List<String> check(Snapshot before, Snapshot after, Allowed allowed) {
        List<String> v = new ArrayList<>(w.removal.violations);
        w.removal.violations.clear();
        w.forgetRepaired();
        boolean dryRun = allowed.cleanup() && allowed.dryRun() && !allowed.recovery();
        if (allowed.pass() && (before.guardClosed() || dryRun) && !before.tree().isEmpty()
                && !before.tree().equals(w.tree())) {
            v.add((dryRun ? "a dry run" : "the guard was closed and") + " changed files: " + diff(before.tree(), w.tree()));
        }
        if (dryRun && after.originalsRemoved() != before.originalsRemoved()) {
            v.add("a dry run removed an original from iCloud");
        }
        contentKept(after, v);
        removalsProven(before, after, allowed, v);
        verifiedOnlyWithProof(before, after, allowed, v);
        if (w.schema.has("scrub_findings")) {
            for (Map<String, Object> f : w.ledger.rows("select path, set_aside_path from scrub_findings"
                    + " where set_aside_path is not null")) {
                if (!Files.isRegularFile(abs(f.get("set_aside_path")))) {
                    v.add("(a) the damaged bytes of " + f.get("path") + " were not kept at " + f.get("set_aside_path"));
                }
            }
        }
        for (Map<String, Object> e : w.ledger.rows("select media_file_id, from_state from file_events"
                + " where entity = 'media_file' and to_state = 'cleaned' and from_state is distinct from 'verified'")) {
            v.add("(c) " + e.get("media_file_id") + " went to cleaned from " + e.get("from_state"));
        }
        return v;
    }

    /** (a) every place of every content holds its bytes, or its removal row says where they went, or the test broke it. */
    private void contentKept(Snapshot after, List<String> v) {
        Map<Path, List<Map<String, Object>>> byPath = new HashMap<>();
        for (Map<String, Object> r : after.removals().values()) {
            byPath.computeIfAbsent(abs(r.get("path")), p -> new ArrayList<>()).add(r);
        }
        ledgerPlaces(v);
        for (World.Item item : w.items) {
            boolean somewhere = false;
            for (Path place : World.allPlaces(item)) {
                List<Map<String, Object>> rows = byPath.getOrDefault(place, List.of()).stream()
                        .filter(r -> REMOVED.contains(state(r))).toList();
                if (rows.size() > 1) {
                    v.add("(d) " + w.rel(place) + " removed " + rows.size() + " times: " + rows);
                }
                String expected = item.expectedSha(place);
                boolean broken = w.damaged.containsKey(place);
                if (rows.isEmpty()) {
                    String found = w.disk.sha(place);
                    if (!broken && !found.equals(expected)) {
                        v.add("(a) " + w.rel(place) + " of " + item + " is " + found + ", no removal recorded");
                    }
                    somewhere |= found.equals(item.sha);
                    continue;
                }
                Map<String, Object> row = rows.get(0);
                Path trash = abs(row.get("trash_path"));
                broken |= trash != null && w.damaged.containsKey(trash);
                String atPlace = w.disk.sha(place);
                String inTrash = trash == null ? "absent" : w.disk.sha(trash);
                switch (state(row)) {
                    case "trashed" -> {
                        if (!broken && !inTrash.equals(expected)) {
                            v.add("(a) " + w.rel(place) + " of " + item + " recorded as trashed, trash holds " + inTrash);
                        }
                    }
                    case "trashing" -> {
                        if (!broken && !inTrash.equals(expected) && !atPlace.equals(expected)) {
                            v.add("(a) " + w.rel(place) + " of " + item + " half moved to trash and lost on both sides");
                        }
                    }
                    default -> { } // purged: checked when it happened
                }
                somewhere |= atPlace.equals(item.sha) || inTrash.equals(item.sha);
            }
            boolean allBroken = item.places().stream().allMatch(w.damaged::containsKey);
            if (!somewhere && !allBroken && !purgedOnly(item, after)) {
                v.add("(a) the content of " + item + " is nowhere any more");
            }
        }
    }

    /** The places the ledger names now: where one moved (a restore elsewhere), the bytes must be there. */
    private void ledgerPlaces(List<String> v) {
        for (Map<String, Object> r : w.ledger.rows("select id, sha256, original_path, archive_path, compressed_path,"
                + (w.schema.has("media_files", "compressed_sha256") ? " compressed_sha256" : " null as compressed_sha256")
                + " from media_files")) {
            World.Item item = w.items.stream().filter(i -> i.id.equals(r.get("id"))).findFirst().orElse(null);
            if (item == null) {
                continue;
            }
            check(item, r.get("original_path"), item.original, item.sha, v);
            check(item, r.get("archive_path"), item.sorted, item.sha, v);
            if (r.get("compressed_sha256") != null) {
                check(item, r.get("compressed_path"), item.compressed, (String) r.get("compressed_sha256"), v);
            }
        }
    }

    private void check(World.Item item, Object named, Path made, String sha, List<String> v) {
        Path p = abs(named);
        if (p != null && !p.equals(made) && !w.damaged.containsKey(p) && !w.disk.sha(p).equals(sha)) {
            v.add("(a) the ledger now names " + w.rel(p) + " for " + item + " (made at " + w.rel(made)
                    + "), which does not hold its bytes");
        }
    }

    private boolean purgedOnly(World.Item item, Snapshot after) {
        return after.removals().values().stream().anyMatch(r -> item.id.equals(r.get("media_file_id"))
                && "purged".equals(state(r)));
    }

    /** (b), (d), (e): each removal that happened in this step had its proof, its setting and, for a purge, its time. */
    private void removalsProven(Snapshot before, Snapshot after, Allowed allowed, List<String> v) {
        for (Map<String, Object> r : after.removals().values()) {
            Map<String, Object> was = before.removals().get(r.get("id"));
            String from = was == null ? null : state(was);
            String to = state(r);
            if (Objects.equals(from, to)) {
                continue;
            }
            String what = r.get("kind") + " " + r.get("path") + " (" + from + " -> " + to + ")";
            if (from != null && REMOVED.contains(from) && !REMOVED.contains(to)) {
                if (!(allowed.recovery() && from.equals("trashing"))) {
                    v.add("(d) a removal went back: " + what);
                }
                continue;
            }
            if (to.equals("purged")) {
                purgeOnTime(r, after, allowed, what, v);
                continue;
            }
            if (!REMOVED.contains(to)) {
                continue; // a plan (would-remove), nothing moved: (a) checks the file is still there
            }
            if (from != null && REMOVED.contains(from)) {
                continue; // trashing -> trashed, a move finished
            }
            UUID id = (UUID) r.get("media_file_id");
            Path path = abs(r.get("path"));
            World.Item item = w.items.stream().filter(i -> i.id.equals(id)).findFirst().orElse(null);
            if (!allowed.cleanup() || allowed.dryRun()) {
                v.add("(b) removed outside a cleanup pass that may remove: " + what);
            }
            if (w.guard.closed()) {
                v.add("(b) removed while the guard was closed: " + what);
            }
            if (item == null) {
                v.add("(b) removed for a file the test does not know: " + what);
                continue;
            }
            if (path.equals(item.original) || path.equals(item.sorted) || path.equals(item.compressed)) {
                v.add("(b) an archive copy was removed: " + what);
            }
            String status = before.status().get(id);
            if (!"verified".equals(status) && !"cleaned".equals(status)) {
                v.add("(b)(c) " + what + " of " + item + " removed while the file was " + status);
            }
            for (FakeTarget t : List.of(w.pixel, w.icloud)) {
                if (t.enabled() && t.answered(id) != State.PROVEN) {
                    v.add("(b) " + what + " of " + item + " removed while " + t.target() + " last answered "
                            + t.answered(id));
                }
            }
            if (!Files.isRegularFile(item.sorted) && !w.damaged.containsKey(item.sorted)) {
                v.add("(b) " + what + " removed while the archive copy is not there");
            }
            if (path.equals(item.bridge)) {
                if (!allowed.bridge() || !w.pixel.copiesMayGo()) {
                    v.add("(b) bridge copy removed though " + (allowed.bridge() ? "the phone's folder does not ignore deletes"
                            : "pipeline.cleanup.bridge is off") + ": " + what);
                }
                for (World.Item mate : w.items) {
                    String s = before.status().get(mate.id);
                    if (item.batch.equals(mate.batch) && !"verified".equals(s) && !"cleaned".equals(s)) {
                        v.add("(b) bridge copy of " + item + " removed while " + mate + " of its batch is " + s);
                    }
                }
            } else if (path.equals(item.duplicate) && !allowed.duplicates()) {
                v.add("(b) duplicate removed though pipeline.cleanup.duplicates is off: " + what);
            }
        }
    }

    private void purgeOnTime(Map<String, Object> r, Snapshot after, Allowed allowed, String what, List<String> v) {
        if (!allowed.purge()) {
            v.add("(e) purged outside the purge: " + what);
        }
        Instant due = instant(r.get("purge_after"));
        Instant first = firstPurgeAfter.get(r.get("id"));
        if (due == null || due.isAfter(after.now())) {
            v.add("(e) purged before its time (" + due + ", now " + after.now() + "): " + what);
        }
        Instant made = instant(r.get("created_at"));
        if (first != null && made != null && first.isBefore(made.plus(Duration.ofDays(retentionDays)).minusSeconds(60))) {
            v.add("(e) purge_after " + first + " is less than " + retentionDays + " days after " + made + ": " + what);
        }
        if (first != null && first.minus(clockMoved).isAfter(after.now().plusSeconds(1))) {
            v.add("(e) purged although the clock was moved only " + clockMoved + ": " + what);
        }
    }

    /** (c) a file that became verified in this step had intact archive copies and every enabled target's proof. */
    private void verifiedOnlyWithProof(Snapshot before, Snapshot after, Allowed allowed, List<String> v) {
        for (World.Item item : w.items) {
            String was = before.status().get(item.id);
            String now = after.status().get(item.id);
            if ("verified".equals(now) && !"verified".equals(was)) {
                if (!allowed.verify()) {
                    v.add("(c) " + item + " became verified outside a verify pass");
                }
                if (!w.archiveIntact(item)) {
                    v.add("(c) " + item + " verified although its copies are damaged: " + w.damaged.keySet().stream()
                            .filter(World.allPlaces(item)::contains).map(w::rel).toList());
                }
                for (FakeTarget t : List.of(w.pixel, w.icloud)) {
                    if (t.enabled() && t.truth(item.id) != State.PROVEN) {
                        v.add("(c) " + item + " verified while " + t.target() + " is " + t.truth(item.id));
                    }
                }
            }
            if ("error".equals(now) && !"error".equals(was)) {
                Object reason = w.ledger.rows("select error from media_files where id = ?", item.id).get(0).get("error");
                if (reason == null || reason.toString().isBlank()) {
                    v.add("(a) " + item + " went to error without a reason");
                }
            }
        }
    }

    /**
     * At the end of a sequence (after a last verify and scrub): every archive copy the test broke and nobody
     * repaired is reported, as a scrub finding or the file in error.
     */
    List<String> damageReported() {
        w.forgetRepaired();
        List<String> v = new ArrayList<>();
        List<Map<String, Object>> findings = w.schema.has("scrub_findings")
                ? w.ledger.rows("select path from scrub_findings") : List.of();
        for (World.Item item : w.items) {
            String status = (String) w.ledger.rows("select status from media_files where id = ?", item.id).get(0)
                    .get("status");
            for (Path place : List.of(item.original, item.sorted)) {
                if (!w.damaged.containsKey(place) || status.equals("error")) {
                    continue;
                }
                boolean found = findings.stream().anyMatch(f -> place.equals(abs(f.get("path"))));
                if (!found) {
                    v.add("(a) " + w.rel(place) + " of " + item + " (" + status + ") was damaged and nobody said so");
                }
            }
        }
        return v;
    }

    private Path abs(Object path) {
        if (path == null) {
            return null;
        }
        Path p = Path.of(path.toString());
        return p.isAbsolute() ? p : w.home.resolve(p);
    }

    private static String state(Map<String, Object> r) {
        return (String) r.get("state");
    }

    static Instant instant(Object o) {
        if (o instanceof Timestamp t) {
            return t.toInstant();
        }
        if (o instanceof OffsetDateTime t) {
            return t.toInstant();
        }
        return o == null ? null : Instant.parse(o.toString());
    }

    private static String diff(Map<String, String> a, Map<String, String> b) {
        List<String> out = new ArrayList<>();
        a.forEach((k, x) -> {
            if (!Objects.equals(x, b.get(k))) {
                out.add(k + (b.containsKey(k) ? " changed" : " vanished"));
            }
        });
        b.keySet().stream().filter(k -> !a.containsKey(k)).forEach(k -> out.add(k + " appeared"));
        return String.join(", ", out);
    }
}
