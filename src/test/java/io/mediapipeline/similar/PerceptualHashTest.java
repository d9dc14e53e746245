package io.mediapipeline.similar;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.media.ExifTool;
import io.mediapipeline.media.MediaProbe;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hash leaves the mean brightness (the DC term) out and gives none for a flat picture: black, white and grey
 * pictures and a black clip, made by ffmpeg and read as ingest reads them, are no near-duplicates of each other, while
 * a dark but real photo still gets a hash that its re-encoded copy matches.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PerceptualHashTest {

    private Path dir;
    private ExifTool exif;
    private MediaProbe probe;
    private NearDuplicates near;

    @BeforeAll
    void open(@TempDir Path tmp) {
        dir = tmp;
        exif = new ExifTool();
        probe = new MediaProbe(exif, "ffprobe", "ffmpeg", ZoneId.of("UTC"));
        near = new NearDuplicates(null, new PipelineHome(tmp.resolve("p")).settings());
    }

    @AfterAll
    void close() {
        if (exif != null) {
            exif.close();
        }
    }

    private Long hash(String name, String... ffmpegArgs) throws Exception {
        String[] cmd = new String[ffmpegArgs.length + 4];
        cmd[0] = "ffmpeg";
        cmd[1] = "-v";
        cmd[2] = "error";
        System.arraycopy(ffmpegArgs, 0, cmd, 3, ffmpegArgs.length);
        cmd[cmd.length - 1] = name;
        Tools.run(dir, cmd);
        Path file = dir.resolve(name);
        return near.fingerprint(file, probe.inspect(file, null));
    }

    private Long still(String name, String lavfi) throws Exception {
        return hash(name, "-f", "lavfi", "-i", lavfi, "-frames:v", "1", "-q:v", "3");
    }

    @Test
    void flatPicturesAndABlackClipGetNoHash() throws Exception {
        assertThat(still("black.jpg", "color=black:size=320x240")).as("black").isNull();
        assertThat(still("black2.png", "color=black:size=200x150")).as("another black").isNull();
        assertThat(still("white.jpg", "color=white:size=320x240")).as("white").isNull();
        assertThat(still("grey.jpg", "color=0x808080:size=320x240")).as("grey").isNull();
        assertThat(still("dark.png", "color=0x101010:size=160x120")).as("dark grey").isNull();
        assertThat(hash("black.mp4", "-f", "lavfi", "-i", "color=black:size=160x120:rate=10", "-t", "2",
                "-c:v", "libx264", "-pix_fmt", "yuv420p")).as("black clip").isNull();
    }

    @Test
    void aDarkRealPhotoStillGetsAHashItsCopyMatches() throws Exception {
        // the picture at an eighth of its brightness: grey levels 0..31
        String dark = "mandelbrot=size=320x240,lutrgb=r=val/8:g=val/8:b=val/8";
        Long photo = still("night.jpg", dark);
        Long copy = hash("night-copy.jpg", "-i", "night.jpg", "-vf", "scale=160:120", "-q:v", "8");
        Long other = still("night-other.jpg", "testsrc2=size=320x240,lutrgb=r=val/8:g=val/8:b=val/8");
        assertThat(photo).isNotNull();
        assertThat(copy).isNotNull();
        assertThat(other).isNotNull();
        assertThat(PerceptualHash.distance(photo, copy)).isLessThanOrEqualTo(6);
        assertThat(PerceptualHash.distance(photo, other)).isGreaterThan(12);
    }

    @Test
    void theMeanBrightnessIsNotPartOfTheHash() {
        double[] grey = new double[PerceptualHash.SIDE * PerceptualHash.SIDE];
        for (int i = 0; i < grey.length; i++) {
            int x = i % PerceptualHash.SIDE;
            int y = i / PerceptualHash.SIDE;
            grey[i] = 60 + 40 * Math.sin(x / 3.0) * Math.cos(y / 5.0) + (x * y % 7);
        }
        long hash = PerceptualHash.of(grey);
        assertThat(hash & 1).as("bit 0, where the DC term was").isZero();
        assertThat(Long.bitCount(hash)).as("the 63 AC bits split at their median").isEqualTo(31);
        double[] brighter = Arrays.stream(grey).map(g -> g + 90).toArray();
        assertThat(PerceptualHash.of(brighter)).isEqualTo(hash);
        double[] flat = new double[grey.length];
        Arrays.fill(flat, 200);
        assertThat(PerceptualHash.of(flat)).isNull();
    }
}
