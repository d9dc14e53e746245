package io.mediapipeline.compress;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.apache.camel.LoggingLevel;
import org.apache.camel.component.exec.ExecCommand;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SSIM gate's measurement with real ffmpeg, run through the stage's executor exactly as the route runs it.
 * The executor's output caps are made small here (16 MiB of per-frame lines would need an hour of video), so a
 * short clip stands for a long one.
 */
class SsimMeasureTest {

    @TempDir
    Path tmp;

    @Test
    void aCopyDamagedAfterItsFirstPartIsJudgedOnTheWholeLength() throws Exception {
        // 12 s at 25 fps: the "encoded" copy is fine for 4 s, then black for 8 s
        Tools.run(tmp, "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=160x120:r=25:d=12",
                "-c:v", "libx264", "-crf", "10", "-pix_fmt", "yuv420p", "original.mp4");
        Tools.run(tmp, "ffmpeg", "-v", "error", "-y", "-i", "original.mp4", "-vf",
                "drawbox=enable='gte(t,4)':x=0:y=0:w=iw:h=ih:color=black@1:t=fill",
                "-c:v", "libx264", "-crf", "18", "-pix_fmt", "yuv420p", "copy.mp4");
        double wholeLength = perFrameMean(tmp.resolve("original.mp4"), tmp.resolve("copy.mp4"));
        assertThat(wholeLength).as("the copy is bad over most of its length").isLessThan(0.7);

        List<String> cmd = SsimMeasure.args("ffmpeg", tmp.resolve("original.mp4"), tmp.resolve("copy.mp4"));
        ExecCommand exec = new ExecCommand(cmd.get(0), cmd.subList(1, cmd.size()), tmp.toString(), 120_000L, Set.of(0),
                null, null, false, LoggingLevel.OFF);
        double measured = SsimMeasure.read(new ChildProcessExecutor(4096, 4096).execute(exec));

        assertThat(measured).as("the gate's SSIM is the mean over every frame, not over the first ones")
                .isCloseTo(wholeLength, Offset.offset(1e-4));
        assertThat(measured).as("refused at the default video threshold").isLessThan(0.95);
    }

    /** The reference: ffmpeg's per-frame "All:" values written to a file, nothing capped, averaged here. */
    private double perFrameMean(Path original, Path copy) throws Exception {
        Path stats = tmp.resolve("stats.txt");
        Tools.run(tmp, "ffmpeg", "-v", "error", "-nostdin", "-i", original.toString(), "-i", copy.toString(), "-an", "-lavfi",
                "[0:v][1:v]scale2ref=flags=area[ref][out];[ref]format=yuv420p[a];[out]format=yuv420p[b];[a][b]ssim=stats_file="
                        + stats, "-f", "null", "-");
        List<String> frames = Files.readAllLines(stats);
        assertThat(frames).hasSize(300);
        return frames.stream().mapToDouble(l -> Double.parseDouble(l.replaceAll(".*All:(\\S+).*", "$1"))).average()
                .orElseThrow();
    }
}
