package io.mediapipeline.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.flow.FileStore;
import io.mediapipeline.support.AppProcess;
import io.mediapipeline.support.IcloudStandIn;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.TestPostgres;
import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes (the packaged jar, three JVMs) on one PostgreSQL and one data directory, as three machines on a NAS
 * would run: a folder of photos with byte-identical copies, and an iCloud account (the stand-in icloudpd, slow) that
 * only the leader downloads. The leader of the iCloud download is found in the ledger and killed with SIGKILL while
 * it downloads and the others ingest; nothing is restarted. The two left finish: every content once in originals/
 * and once in sorted/, every copy recorded once as a duplicate, nothing left in the inbox or a queue; and the ledger's
 * lease log shows one node at a time per namespace and the dead leader's namespaces taken by another node.
 */
class SeveralNodesIT {

    private static final String ACCOUNT = "family";
    private static final String APPLE_ID = "family@example.com";
    private static final int FOLDER_PHOTOS = 40;
    private static final int FOLDER_COPIES = 8;
    private static final int CLOUD_PHOTOS = 10;
    private static final int CLOUD_COPIES = 2;

    @TempDir
    Path tmp;

    @Test
    void threeNodesShareTheWorkAndTheLeadersDeathLosesAndDoublesNothing() throws Exception {
        long began = System.nanoTime();
        try (TestPostgres pg = TestPostgres.start(tmp.resolve("pg"))) {
            pg.createDatabase("nodes");
            IcloudStandIn icloud = new IcloudStandIn(tmp);
            icloud.marker(APPLE_ID, "password", "cloud-secret");
            // about half a second per file: the download is still running when its leader is killed
            icloud.marker(APPLE_ID, "slow", "0.6");
            PipelineHome shared = icloud.pipeline(tmp.resolve("shared"), ACCOUNT, APPLE_ID);
            int inputs = corpus(shared, icloud.user(APPLE_ID).resolve("library"));
            Map<String, Process> nodes = new LinkedHashMap<>();
            for (String node : List.of("node-1", "node-2", "node-3")) {
                nodes.put(node, start(shared, node, pg));
            }
            try (Connection db = pg.ownerConnection("nodes")) {
                // the iCloud download's leader, while icloudpd runs and the folder's files are being ingested
                Path downloads = shared.home().resolve("icloud").resolve(ACCOUNT);
                // (and holds folder inputs it has not recorded yet, or at the latest 3 s after icloudpd started: mid-download)
                long[] icloudpdSeen = {0};
                await(90, nodes, () -> {
                    if (icloud.startTimes(APPLE_ID, "download").isEmpty()) {
                        return false;
                    }
                    if (icloudpdSeen[0] == 0) {
                        icloudpdSeen[0] = System.nanoTime();
                    }
                    return number(db, "select count(*) from work_claims c join cluster_leases l on l.node = c.node"
                            + " where l.namespace = 'icloud-download' and l.expires_at > now() and not c.done"
                            + " and c.key like '/%' and not exists (select 1 from source_files s"
                            + " where s.source_key = 'folder:' || c.key and s.disposition <> 'pending')") > 0
                            || System.nanoTime() - icloudpdSeen[0] > TimeUnit.SECONDS.toNanos(3);
                }, () -> "icloudpd runs " + icloud.startTimes(APPLE_ID, "download").size());
                String leader = one(db, "select node from cluster_leases where namespace = 'icloud-download'"
                        + " and expires_at > now()");
                Set<String> ledByVictim = new TreeSet<>(column(db, "select namespace from cluster_leases where node = ?"
                        + " and expires_at > now()", leader));
                int downloadedAtKill = count(downloads);
                long ingestedAtKill = number(db, "select count(*) from source_files where disposition <> 'pending'");
                Map<Long, String> nodeByPid = new HashMap<>();
                nodes.forEach((name, p) -> nodeByPid.put(p.pid(), name));
                long victimPid = nodes.get(leader).pid();
                nodes.get(leader).destroyForcibly();
                double killedAt = System.currentTimeMillis() / 1000.0;
                assertThat(nodes.get(leader).waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(downloadingAt(icloud.invocations(APPLE_ID), victimPid, killedAt))
                        .as("the kill landed while the leader's icloudpd downloaded: " + icloud.invocations(APPLE_ID)).isTrue();
                // what the dead node was working on: folder inputs it claimed that it had not recorded
                List<String> inFlight = column(db, "select key from work_claims where node = ? and not done", leader);
                List<String> unfinished = column(db, "select c.key from work_claims c where c.node = ? and not c.done"
                        + " and not exists (select 1 from source_files s where s.source_key = 'folder:' || c.key"
                        + " and s.disposition <> 'pending')", leader).stream().filter(k -> k.startsWith("/")).toList();
                System.out.printf("SeveralNodesIT: killed %s (leading %s) with %d of %d iCloud files downloaded and %d of %d"
                        + " inputs recorded, %d file(s) claimed, %d folder input(s) unrecorded%n", leader, ledByVictim,
                        downloadedAtKill, CLOUD_PHOTOS + CLOUD_COPIES, ingestedAtKill, inputs, inFlight.size(),
                        unfinished.size());
                nodes.remove(leader);

                int unique = FOLDER_PHOTOS + CLOUD_PHOTOS;
                await(100, nodes, () -> number(db, "select count(*) from media_files where status = 'archived'") == unique
                        && number(db, "select count(*) from source_files where disposition <> 'pending'") == inputs
                        && files(shared.home().resolve("inbox")).isEmpty()
                        && files(shared.home().resolve("work/organize")).isEmpty()
                        // the dead node's half-written files, swept by the leader of temp-sweep
                        && files(shared.home()).stream().noneMatch(f -> f.toString().endsWith(FileStore.TEMP_SUFFIX))
                        // the dead leader's singletons taken over, and the download run again by its new leader
                        && number(db, "select count(*) from cluster_leases where node = '" + leader + "' and expires_at > now()") == 0
                        && icloud.invocations(APPLE_ID).stream().anyMatch(l -> l.contains(" start download ")
                                && !l.endsWith(" parent=" + victimPid)),
                        () -> column(db, "select status || '=' || count(*) from media_files group by status")
                                + " inputs " + column(db, "select disposition || '=' || count(*) from source_files group by disposition")
                                + " in the inbox " + files(shared.home().resolve("inbox")).size()
                                + " queued to organize " + files(shared.home().resolve("work/organize")).size()
                                + " temp files " + files(shared.home()).stream()
                                        .filter(f -> f.toString().endsWith(FileStore.TEMP_SUFFIX)).toList());

                assertEveryFileOnce(db, shared.home(), unique, inputs);
                // what the dead node committed but had not handed on yet is queued again by a survivor (no restart)
                String recovery = "Node(s) [" + leader + "] stopped";
                await(30, nodes, () -> nodes.keySet().stream().anyMatch(n -> log(n).contains(recovery)),
                        () -> "no survivor logged \"" + recovery + "\"");
                for (String key : unfinished) {
                    assertThat(column(db, "select r.node from source_files s join runs r on r.id = s.run_id"
                            + " where s.source_key = ? and s.disposition <> 'pending'", "folder:" + key))
                            .as("the dead node's unfinished " + key + ", recorded once by another node")
                            .singleElement().isNotEqualTo(leader);
                }
                System.out.println("SeveralNodesIT: inputs recorded by node: " + column(db, "select r.node || '=' || count(*)"
                        + " from source_files s join runs r on r.id = s.run_id group by r.node order by r.node"));
                assertOneLeaderAtATime(db, leader, ledByVictim);
                assertOneDownloaderAtATime(icloud.invocations(APPLE_ID), nodeByPid, leader, killedAt);
            } finally {
                for (Process p : nodes.values()) {
                    p.destroy();
                }
                for (Process p : nodes.values()) {
                    if (!p.waitFor(60, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                }
                keepLogs();
            }
        }
        System.out.printf("SeveralNodesIT: wall time %.1f s%n", (System.nanoTime() - began) / 1e9);
    }

    private String log(String node) {
        try {
            return Files.readString(tmp.resolve(node + ".log"));
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /** The nodes' logs under target/several-nodes/, to read after a run (the temporary folder goes). */
    private void keepLogs() throws java.io.IOException {
        Path keep = Files.createDirectories(PipelineHome.projectDir().resolve("target/several-nodes"));
        for (String node : List.of("node-1", "node-2", "node-3")) {
            Files.copy(tmp.resolve(node + ".log"), keep.resolve(node + ".log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The folder's photos and copies, and the iCloud library's photos and copies of folder photos; the inputs count. */
    private static int corpus(PipelineHome shared, Path cloud) throws Exception {
        Path library = shared.library();
        List<Path> photos = Tools.photos(library, "folder-", FOLDER_PHOTOS, "2024:05:06 07:08:09");
        Path copies = Files.createDirectories(library.resolve("copies"));
        for (int i = 0; i < FOLDER_COPIES; i++) {
            Files.copy(photos.get(i), copies.resolve("copy-" + photos.get(i).getFileName()));
        }
        Tools.photos(cloud, "cloud-", CLOUD_PHOTOS, "2025:01:02 03:04:05");
        for (int i = 0; i < CLOUD_COPIES; i++) {
            Files.copy(photos.get(FOLDER_PHOTOS - 1 - i), cloud.resolve("also-" + photos.get(FOLDER_PHOTOS - 1 - i).getFileName()));
        }
        return FOLDER_PHOTOS + FOLDER_COPIES + CLOUD_PHOTOS + CLOUD_COPIES;
    }

    private Process start(PipelineHome shared, String node, TestPostgres pg) throws Exception {
        shared.set("pipeline.db.url", pg.url("nodes"))
                .set("pipeline.db.user", TestPostgres.OWNER)
                .set("pipeline.db.password", TestPostgres.OWNER_PASSWORD)
                .set("pipeline.source.folder.enabled", "true")
                .set("pipeline.source.folder.poll-seconds", "1")
                .set("pipeline.source.inbox.poll-seconds", "1")
                .set("pipeline.cluster.enabled", "true")
                .set("pipeline.node", node)
                .set("pipeline.cluster.node-id", node)
                .set("pipeline.cluster.lease-seconds", "4")
                .set("pipeline.cluster.renew-seconds", "1")
                .set("pipeline.cluster.claim-seconds", "6")
                // small ingest batches, so a kill can land between two of them
                .set("pipeline.ingest.batch-size", "4");
        Path config = shared.config();
        Path own = tmp.resolve(node + ".properties");
        Files.copy(config, own);
        return AppProcess.start(own, tmp.resolve(node + ".log"), Map.of("FAKE_ICLOUD", tmp.resolve("fake-icloud").toString(),
                "PIPELINE_SOURCE_ICLOUD_ACCOUNT_FAMILY_PASSWORD", "cloud-secret"));
    }

    private static void assertEveryFileOnce(Connection db, Path home, int unique, int inputs) throws Exception {
        Map<String, Long> originals = shas(home.resolve("originals"));
        Map<String, Long> sorted = shas(home.resolve("sorted"));
        Set<String> recorded = new TreeSet<>(column(db, "select sha256 from media_files"));
        assertThat(recorded).hasSize(unique);
        assertThat(originals).as("each content once in originals/").hasSize(unique).allSatisfy((sha, n) -> assertThat(n).isEqualTo(1L));
        assertThat(originals.keySet()).isEqualTo(recorded);
        assertThat(sorted).as("each content once in sorted/").hasSize(unique).allSatisfy((sha, n) -> assertThat(n).isEqualTo(1L));
        assertThat(sorted.keySet()).isEqualTo(recorded);
        int copies = FOLDER_COPIES + CLOUD_COPIES;
        assertThat(number(db, "select count(*) from source_files")).as("one row per input").isEqualTo(inputs);
        assertThat(number(db, "select count(*) from source_files where disposition = 'duplicate'")).isEqualTo(copies);
        assertThat(number(db, "select count(*) from source_files where disposition = 'imported'")).isEqualTo(unique);
        assertThat(number(db, "select count(*) from duplicate_files where kind = 'exact'")).as("each copy recorded once")
                .isEqualTo(copies);
        assertThat(files(home.resolve("duplicates"))).as("each copy kept once").hasSize(copies);
        assertThat(files(home.resolve("quarantine"))).isEmpty();
        assertThat(files(home.resolve("inbox"))).isEmpty();
        assertThat(files(home.resolve("work")).stream().filter(f -> !f.toString().contains("/.")).toList()).isEmpty();
    }

    /**
     * From cluster_events: per namespace, each leadership [at, held_until] ends before the next begins; and every
     * namespace the killed node led was taken afterwards by another node.
     */
    /**
     * The work itself, not only the leases: the stand-in icloudpd logs each run's start (with the node's JVM as its
     * parent) and end; no two nodes' downloads of the account may overlap in time (the killed node's run, if it left
     * no end, ends at the kill).
     */
    private static void assertOneDownloaderAtATime(List<String> invocations, Map<Long, String> nodeByPid, String killed,
                                                   double killedAt) {
        Map<String, double[]> runs = new LinkedHashMap<>(); // loader pid -> start, end
        Map<String, String> runNode = new HashMap<>();
        for (String line : invocations) {
            String[] f = line.split(" ");
            if (!f[2].equals("download")) {
                continue;
            }
            String pid = field(f, "pid");
            if (f[1].equals("start")) {
                runs.put(pid, new double[] {Double.parseDouble(f[0]), Double.MAX_VALUE});
                runNode.put(pid, nodeByPid.getOrDefault(Long.parseLong(field(f, "parent")), "unknown parent " + field(f, "parent")));
            } else if (runs.containsKey(pid)) {
                runs.get(pid)[1] = Double.parseDouble(f[0]);
            }
        }
        runs.forEach((pid, t) -> {
            if (t[1] == Double.MAX_VALUE && runNode.get(pid).equals(killed)) {
                t[1] = killedAt;
            }
        });
        List<String> pids = List.copyOf(runs.keySet());
        for (int i = 0; i < pids.size(); i++) {
            for (int j = i + 1; j < pids.size(); j++) {
                double[] a = runs.get(pids.get(i));
                double[] b = runs.get(pids.get(j));
                if (!runNode.get(pids.get(i)).equals(runNode.get(pids.get(j)))) {
                    assertThat(a[1] <= b[0] || b[1] <= a[0]).as("icloudpd runs of " + runNode.get(pids.get(i)) + " "
                            + java.util.Arrays.toString(a) + " and " + runNode.get(pids.get(j)) + " "
                            + java.util.Arrays.toString(b) + " overlap").isTrue();
                }
            }
        }
        assertThat(new TreeSet<>(runNode.values())).as("the download moved to another node").hasSizeGreaterThan(1)
                .allMatch(n -> n.startsWith("node-"));
        System.out.println("SeveralNodesIT: icloudpd download runs by node, none overlapping another node's: "
                + runNode.values().stream().collect(Collectors.groupingBy(n -> n, java.util.TreeMap::new, Collectors.counting())));
    }

    /** A download run of the node's (its JVM the stand-in's parent) had started by {@code at} and had not ended then. */
    private static boolean downloadingAt(List<String> invocations, long nodePid, double at) {
        Map<String, Double> started = new HashMap<>();
        Map<String, Double> ended = new HashMap<>();
        for (String line : invocations) {
            String[] f = line.split(" ");
            if (!f[2].equals("download")) {
                continue;
            }
            double t = Double.parseDouble(f[0]);
            if (f[1].equals("start") && field(f, "parent").equals(String.valueOf(nodePid)) && t <= at) {
                started.put(field(f, "pid"), t);
            } else if (f[1].equals("end")) {
                ended.put(field(f, "pid"), t);
            }
        }
        // an orphaned worker may still write its end line after the kill
        return started.keySet().stream().anyMatch(pid -> ended.getOrDefault(pid, Double.MAX_VALUE) > at);
    }

    private static String field(String[] fields, String name) {
        return Stream.of(fields).filter(x -> x.startsWith(name + "=")).map(x -> x.substring(name.length() + 1))
                .findFirst().orElseThrow(() -> new AssertionError("no " + name + "= in " + String.join(" ", fields)));
    }

    private static void assertOneLeaderAtATime(Connection db, String killed, Set<String> ledByKilled) throws SQLException {
        Map<String, List<Object[]>> byNamespace = new HashMap<>();
        try (PreparedStatement s = db.prepareStatement("select namespace, node, epoch, at, held_until from cluster_events"
                + " where event = 'acquired' order by namespace, epoch"); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                byNamespace.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                        .add(new Object[] {rs.getString(2), rs.getLong(3), rs.getTimestamp(4), rs.getTimestamp(5)});
            }
        }
        assertThat(byNamespace.keySet()).as("the singletons switched on").contains("icloud-download", "trash-purge", "scrub");
        int handovers = 0;
        for (var e : byNamespace.entrySet()) {
            List<Object[]> terms = e.getValue();
            for (int i = 1; i < terms.size(); i++) {
                Object[] before = terms.get(i - 1);
                Object[] after = terms.get(i);
                assertThat((long) after[1]).as(e.getKey() + " epochs").isEqualTo((long) before[1] + 1);
                Timestamp endBefore = (Timestamp) before[3];
                assertThat(endBefore).as(e.getKey() + " epoch " + before[1] + " has an end").isNotNull();
                assertThat((Timestamp) after[2]).as(e.getKey() + ": epoch " + after[1] + " (" + after[0] + ") began before epoch "
                        + before[1] + " (" + before[0] + ") ended").isAfterOrEqualTo(endBefore);
                handovers++;
            }
            if (ledByKilled.contains(e.getKey())) {
                Object[] last = terms.get(terms.size() - 1);
                assertThat(last[0]).as(e.getKey() + " moved away from the killed " + killed).isNotEqualTo(killed);
            }
        }
        System.out.printf("SeveralNodesIT: %d namespaces, %d handovers, none overlapping%n", byNamespace.size(), handovers);
    }

    private static Map<String, Long> shas(Path dir) {
        return files(dir).stream().collect(Collectors.groupingBy(PipelineHome::sha, Collectors.counting()));
    }

    private static List<Path> files(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        for (int attempt = 1; ; attempt++) {
            try (Stream<Path> s = Files.walk(dir)) {
                return s.filter(Files::isRegularFile).toList();
            } catch (java.io.IOException | java.io.UncheckedIOException e) {
                // a walk that met a file being moved or removed: walk again
                if (attempt == 20) {
                    throw new IllegalStateException("cannot list " + dir, e);
                }
            }
        }
    }

    private static int count(Path dir) {
        return (int) files(dir).stream().filter(f -> !f.toString().endsWith(".part")).count();
    }

    private static void await(int seconds, Map<String, Process> nodes, BooleanSupplier done, Callable<String> state)
            throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.getAsBoolean()) {
            for (var n : nodes.entrySet()) {
                assertThat(n.getValue().isAlive()).as(n.getKey() + " is running").isTrue();
            }
            if (System.nanoTime() - until > 0) {
                throw new AssertionError("not done within " + seconds + " s: " + state.call());
            }
            Thread.sleep(250);
        }
    }

    private static List<String> column(Connection db, String sql, Object... args) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement s = db.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static String one(Connection db, String sql) throws SQLException {
        List<String> rows = column(db, sql);
        assertThat(rows).as(sql).hasSize(1);
        return rows.get(0);
    }

    private static long number(Connection db, String sql) {
        try {
            List<String> rows = column(db, sql);
            return rows.isEmpty() ? 0 : Long.parseLong(rows.get(0));
        } catch (SQLException e) {
            // the tables are not made yet (the nodes are starting)
            return -1;
        }
    }
}
