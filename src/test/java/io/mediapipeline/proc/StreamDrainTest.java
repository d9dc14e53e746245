package io.mediapipeline.proc;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.mediapipeline.support.LogCapture;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A tool's output beyond the cap: the start and the end are kept (a summary comes last), and the cut is told. */
class StreamDrainTest {

    @Test
    void outputBeyondTheCapKeepsItsEndAndWarns() throws Exception {
        StringBuilder text = new StringBuilder("first error line\n");
        for (int i = 0; i < 20_000; i++) {
            text.append("frame ").append(i).append(" decoded with errors\n");
        }
        text.append("SSIM Y:0.1 (0.4) U:0.2 (0.9) V:0.2 (0.9) All:0.150000 (0.7)\n");
        byte[] all = text.toString().getBytes(StandardCharsets.UTF_8);
        try (LogCapture log = LogCapture.of(StreamDrain.class.getName())) {
            StreamDrain drain = StreamDrain.start(new ByteArrayInputStream(all), 1024, "ffmpeg-stderr");
            String kept = drain.text();
            assertThat(kept).startsWith("first error line\n").endsWith("All:0.150000 (0.7)\n");
            assertThat(drain.dropped()).isEqualTo(all.length - 2048L);
            assertThat(kept).contains("[" + (all.length - 2048) + " bytes dropped]");
            assertThat(log.messages(Level.WARN)).singleElement().asString()
                    .contains("ffmpeg-stderr", "output longer than 1024 bytes");
        }
    }

    @Test
    void outputWithinTheCapIsKeptWholeAndSilently() throws Exception {
        byte[] all = "a\nb\n".repeat(100).getBytes(StandardCharsets.UTF_8);
        try (LogCapture log = LogCapture.of(StreamDrain.class.getName())) {
            StreamDrain drain = StreamDrain.start(new ByteArrayInputStream(all), 1024, "x");
            assertThat(drain.bytes()).isEqualTo(all);
            assertThat(drain.dropped()).isZero();
            assertThat(log.messages(Level.WARN)).isEmpty();
        }
    }
}
