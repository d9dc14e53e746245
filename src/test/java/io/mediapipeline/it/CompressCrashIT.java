package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static io.mediapipeline.support.PipelineHome.query;
import static io.mediapipeline.support.PipelineHome.sha;
import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.Crash;
import io.mediapipeline.support.LiveLedger;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.RowHold;
import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 while the compress stage works, each kill at a moment chosen from its observed progress (the first
 * encodes, an encode after some decisions, a CRF ladder re-encode, a copy placed in compressed/ before its ledger
 * write), then one run to the end: every file decided exactly once, compressed/ holds exactly one copy per file
 * under its own name, each copy whole and as the ledger describes it, and no scratch, queue or temp file is
 * left. Where each kill landed is printed and asserted, the place -> ledger window included.
 */
class CompressCrashIT {

    @TempDir
    Path tmp;

    @Test
    void killedMidEncodeMidLadderAndWhilePlacingTheStageStillEndsWithOneWholeCopyPerFile() throws Exception {
        PipelineHome pipeline = new PipelineHome(tmp)
                .set("pipeline.compress.enabled", "true")
                .set("pipeline.compress.video.preset", "fast")
                // the noisy clips score about 0.92-0.94 at CRF 28: refused, so they go up the ladder (28, 24, 20)
                .set("pipeline.compress.video.min-ssim", "0.975")
                .set("pipeline.compress.parallelism", "2");
        Path lib = pipeline.library();
        for (int i = 0; i < 3; i++) {
            CompressIT.clip(lib, "plain" + i + ".mov", 480, 270, 2, "2026:0" + (i + 1) + ":10 12:00:00", 0);
            // random cells: refused at CRF 28, so these go up the ladder (more moments to be killed in)
            CompressIT.clip(lib, "noisy" + i + ".mov", "life=mold=10:ratio=0.1:death_color=#C83232:life_color=#00ff00:",
                    320, 240, 2, "2026:0" + (i + 4) + ":10 12:00:00", 0);
        }
        Tools.run(lib, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x480:rate=1", "-frames:v", "2",
                "-q:v", "1", "photo%d.jpg");
        int total = 8;

        Path config = pipeline.config();
        Path compressed = pipeline.home().resolve("compressed");
        RowHold hold = new RowHold(new LiveLedger(pipeline.home()));
        // each kill waits for its moment in the work (the ledger read live, the running encodes, compressed/)
        List<Crash.Aim> aims = List.of(
                Crash.Aim.of("the first encodes, nothing decided yet", (st, app) -> Crash.running(app, "libx265")),
                Crash.Aim.of("the CRF ladder: a second encode at a lower CRF", Crash.newlyStarted("-crf 24", "-crf 20"))
                        .giveUpWhen((st, app) -> st.decided() >= total - 1),
                Crash.Aim.of("an encode after some decisions", (st, app) -> st.decided() > 0 && Crash.running(app, "libx265"))
                        .giveUpWhen((st, app) -> st.decided() >= total - 1),
                placeBeforeLedger(compressed, hold));
        List<Crash.Landing> landings = new ArrayList<>();
        try {
            for (Crash.Aim aim : aims) {
                int k = landings.size() + 1;
                Process app = Crash.startOnce(config, tmp.resolve("run" + k + ".log"));
                try {
                    landings.add(Crash.killWhen(k, app, pipeline, aim));
                } finally {
                    hold.release();
                }
            }
        } finally {
            hold.close();
        }
        assertThat(landings).as("a kill in the middle of an encode").anySatisfy(l -> assertThat(l.encoding()).isTrue());
        assertThat(landings).as("a kill with some files decided and some not").anySatisfy(l ->
                assertThat(l.after().stages().decided()).isPositive().isLessThan(total));
        assertThat(landings).as("a kill during a ladder encode (CRF below the first)")
                .anySatisfy(l -> assertThat(l.encoding("-crf 24") || l.encoding("-crf 20")).isTrue());
        long inWindow = landings.stream().filter(l -> !l.after().compressedWithoutRow().isEmpty()).count();
        System.out.println("CompressCrashIT: " + inWindow + " kill(s) landed between placing a copy and recording its decision");
        assertThat(landings).as("a kill between placing a copy in compressed/ and recording its decision (the gate ->"
                + " place -> ledger window): a copy on disk that the ledger did not name after the kill")
                .anySatisfy(l -> assertThat(l.after().compressedWithoutRow())
                        .as("a copy placed while the rows were held (not one left by an earlier kill)")
                        .anyMatch(r -> !hold.atLock().contains(Path.of(r).getFileName().toString())));
        Process last = Crash.startOnce(config, tmp.resolve("last.log"));
        assertThat(last.waitFor(600, TimeUnit.SECONDS)).as("last run finished (a ceiling: a loaded machine is slow)").isTrue();
        assertThat(last.exitValue()).as("exit; log:\n" + Files.readString(tmp.resolve("last.log"))).isEqualTo(0);

        Path home = pipeline.home();
        assertThat(files(home.resolve("work"))).as("no queue or scratch file left").isEmpty();
        assertThat(files(home).stream().filter(p -> p.getFileName().toString().endsWith(".mp-tmp"))).isEmpty();
        List<Path> copies = files(home.resolve("compressed"));
        try (Database db = pipeline.openLedger()) {
            List<Map<String, Object>> rows = query(db, """
                    select original_name, original_path, compressed_path, compress_decision, compress_reason,
                           compressions, compressed_size, original_size, compress_failures from media_files""");
            assertThat(rows).hasSize(total);
            assertThat(copies).as("one copy per file, nothing orphaned").hasSize(total);
            assertThat(copies.stream().map(Path::toString).collect(Collectors.toSet()))
                    .isEqualTo(rows.stream().map(r -> (String) r.get("compressed_path")).collect(Collectors.toSet()));
            for (Map<String, Object> r : rows) {
                String name = (String) r.get("original_name");
                String decision = (String) r.get("compress_decision");
                System.out.println("  " + name + ": " + decision + ", " + r.get("compress_reason"));
                assertThat(decision).as(name + ": " + r.get("compress_reason")).isIn("compressed", "original");
                assertThat(((Number) r.get("compress_failures")).intValue()).as(name + ": a kill is not a failure").isZero();
                Path copy = Path.of((String) r.get("compressed_path"));
                Path original = Path.of((String) r.get("original_path"));
                assertThat(Files.size(copy)).as(name).isEqualTo(((Number) r.get("compressed_size")).longValue());
                if (decision.equals("compressed")) {
                    assertThat(((Number) r.get("compressions")).intValue()).as(name + ": encoded once").isEqualTo(1);
                    assertThat(sha(copy)).isNotEqualTo(sha(original));
                    if (name.endsWith(".mov")) {
                        // whole: ffprobe reads an HEVC stream of the original's size
                        assertThat(CompressIT.codec(copy)).as(name).startsWith("hevc");
                        assertThat(CompressIT.size(copy)).as(name).isEqualTo(CompressIT.size(original));
                    }
                } else {
                    assertThat(sha(copy)).as(name + ": the original goes").isEqualTo(sha(original));
                }
            }
            Set<String> decided = Set.copyOf(rows.stream().map(r -> (String) r.get("compress_decision")).toList());
            assertThat(decided).as("the corpus exercises the gate both ways").contains("compressed");
        }
    }

    /**
     * Once an encode runs, the undecided rows are locked from the test: the next copy placed in compressed/ waits
     * for its ledger write, so the kill lands in that window every time (not only when a poll happens to catch
     * the few milliseconds between them). Missed when no such copy shows within two minutes of the lock.
     */
    private static Crash.Aim placeBeforeLedger(Path compressed, RowHold hold) {
        return new Crash.Aim("place -> ledger: a copy in compressed/ whose decision is not recorded yet",
                () -> files(compressed).size(), (inCompressed, first, st, app) -> {
                    if (!hold.held() && Crash.running(app, "libx265")) {
                        hold.take("select id from media_files where compress_decision is null for update",
                                () -> names(compressed));
                        return false;
                    }
                    // a copy placed after the lock: its decision waits for the rows (one an earlier kill left
                    // unrecorded would be there already)
                    return hold.held() && names(compressed).stream().anyMatch(n -> !hold.atLock().contains(n));
                }, (inCompressed, first, st, app) -> hold.heldFor() > TimeUnit.MINUTES.toNanos(2));
    }

    private static Set<String> names(Path dir) {
        return files(dir).stream().map(f -> f.getFileName().toString()).collect(Collectors.toSet());
    }
}
