package io.mediapipeline.config;

import java.nio.file.Path;
import java.time.ZoneId;

/**
 * What the application itself needs before any stage: its home, the node name, the time zone, the media tools
 * every stage shares, how long `once` waits for quiet; the database keys are checked here too, so a bad one ends
 * the start before the ledger is opened.
 */
public record CoreConfig(Path home, String node, ZoneId zone, String ffmpeg, String ffprobe, String exiftool,
                         int onceIdleSeconds) {

    public static CoreConfig from(Settings s) {
        Path home = s.path("pipeline.home");
        ZoneId zone = s.zone();
        s.integer("pipeline.tools.probe-timeout-seconds");
        s.integer("pipeline.doctor.min-free-gb");
        s.positive("pipeline.errors.retry-delay-ms");
        s.integer("pipeline.db.embedded.port");
        s.positive("pipeline.db.pool-size");
        s.positive("pipeline.db.connect-timeout-seconds");
        s.positive("pipeline.db.socket-timeout-seconds");
        String url = s.get("pipeline.db.url");
        if (!url.isEmpty() && !url.startsWith("jdbc:postgresql://")) {
            throw new ConfigException("pipeline.db.url: must start with jdbc:postgresql:// (got " + Secrets.mask(url) + ")");
        }
        int idle = s.positive("pipeline.once.idle-seconds");
        return new CoreConfig(home, s.node(), zone, s.get("pipeline.tools.ffmpeg"), s.get("pipeline.tools.ffprobe"),
                s.get("pipeline.tools.exiftool"), idle);
    }
}
