package io.mediapipeline.flow;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stages hand files to each other through queue folders under work/: a hard link of the original
 * named &lt;sha256&gt;.&lt;ext&gt; appears atomically in work/&lt;stage&gt;/, the stage's file consumer takes it and
 * deletes it when done. The name is the ledger key, so a stage needs nothing else to find its row.
 * A stage that gets every new original calls {@link #follow} from its Stage.configure; the ingest route's
 * hand-on step then queues each new original for the stages in {@link #stagesAfterIngest}. A stage that finds
 * its work in the ledger instead (the upload to iCloud) only calls {@link #track}, so `once` waits for it too.
 */
public class Handoff {

    private final Path workDir;
    private final List<String> afterIngest = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Map<String, StageState> states = new ConcurrentHashMap<>();

    /**
     * For a stage whose queue is not the whole story: while it is holding (back-pressure), its queued
     * files are not work the run waits for; outstanding counts work beyond the queue (deliveries
     * awaiting proof) that the run should still wait for.
     */
    public interface StageState {
        boolean holding();

        long outstanding();
    }

    /** A stage's pass that puts back into its queue what the ledger says belongs there; returns how many it queued. */
    @FunctionalInterface
    public interface Recovery {
        int requeue() throws IOException;
    }

    private final Map<String, Recovery> recoveries = new ConcurrentHashMap<>();

    public Handoff(Path workDir, List<String> afterIngest) {
        this.workDir = workDir;
        this.afterIngest.addAll(afterIngest);
    }

    /** Called by an enabled stage's configuration: the stage gets every new original after ingest. */
    public void follow(String stage) {
        if (!afterIngest.contains(stage)) {
            afterIngest.add(stage);
        }
    }

    /** Queues the original for every stage that follows ingest (what the route's hand-on step does one stage at a time). */
    public void afterIngest(Path original, String sha256, String extension) throws IOException {
        for (String stage : afterIngest) {
            send(stage, original, sha256, extension);
        }
    }

    /**
     * Queues a batch of originals (already on the disk) for one stage: each link is made, then the queue folder is
     * fsynced once for all of them.
     */
    public void sendAll(String stage, List<Queued> originals) throws IOException {
        if (originals.isEmpty()) {
            return;
        }
        for (Queued q : originals) {
            FileStore.linkReplacing(q.original(), queue(stage).resolve(q.sha256() + "." + q.extension()), false);
        }
        Durable.syncDir(queue(stage));
    }

    /** One original to queue: the file and the name it gets (its sha256 and extension). */
    public record Queued(Path original, String sha256, String extension) {
    }

    public void send(String stage, Path file, String sha256, String extension) throws IOException {
        FileStore.linkReplacing(file, queue(stage).resolve(sha256 + "." + extension));
    }

    /** Puts an original back into a stage's queue (restart recovery); false if already queued or the original is gone. */
    public boolean requeue(String stage, Path original, String sha256, String extension) throws IOException {
        if (!Files.isRegularFile(original) || queued(stage, sha256, extension)) {
            return false;
        }
        send(stage, original, sha256, extension);
        return true;
    }

    public boolean queued(String stage, String sha256, String extension) {
        return Files.exists(queue(stage).resolve(sha256 + "." + extension));
    }

    public Path queue(String stage) {
        return workDir.resolve(stage);
    }

    public List<String> stagesAfterIngest() {
        return List.copyOf(afterIngest);
    }

    /**
     * Runs the stage's recovery pass now (its start, after a crash) and keeps it, so that {@link #recoverLost} can run
     * it again while this node goes on; returns how many files it queued.
     */
    public int recover(String stage, Recovery pass) throws IOException {
        recoveries.put(stage, pass);
        return pass.requeue();
    }

    /** Puts back into the stage's queue each of these originals that is not queued yet; returns how many. */
    public int requeueAll(String stage, List<Queued> due) throws IOException {
        int n = 0;
        for (Queued q : due) {
            if (requeue(stage, q.original(), q.sha256(), q.extension())) {
                n++;
            }
        }
        return n;
    }

    /**
     * Runs every stage's recovery pass: another node stopped between its ledger writes and its hand-offs, and no
     * start of this node will look. Returns, per stage that queued any, how many files it queued; a stage whose pass
     * fails is left out (and the failure thrown after the others ran).
     */
    public Map<String, Integer> recoverLost() throws IOException {
        Map<String, Integer> queued = new java.util.TreeMap<>();
        IOException failed = null;
        for (Map.Entry<String, Recovery> e : recoveries.entrySet()) {
            try {
                int n = e.getValue().requeue();
                if (n > 0) {
                    queued.put(e.getKey(), n);
                }
            } catch (IOException | RuntimeException ex) {
                failed = failed == null ? new IOException("recovery of " + e.getKey() + " failed: " + ex, ex) : failed;
            }
        }
        if (failed != null) {
            throw failed;
        }
        return queued;
    }

    public void track(String stage, StageState state) {
        states.put(stage, state);
    }

    /**
     * Files waiting in any queue, plus what tracked stages still count as outstanding (for `once`: the run is not
     * over while work is queued).
     */
    public long pending() throws IOException {
        long n = 0;
        java.util.Set<String> stages = new java.util.LinkedHashSet<>(afterIngest);
        stages.addAll(states.keySet());
        for (String stage : stages) {
            StageState state = states.get(stage);
            if (state != null) {
                n += state.outstanding();
                if (state.holding()) {
                    continue;
                }
            }
            Path q = queue(stage);
            if (Files.isDirectory(q)) {
                try (var s = Files.list(q)) {
                    n += s.filter(p -> !p.getFileName().toString().startsWith(".")).count();
                }
            }
        }
        return n;
    }

    public static String stemOf(String fileName) {
        int dot = fileName.indexOf('.');
        return dot > 0 ? fileName.substring(0, dot) : fileName;
    }
}
