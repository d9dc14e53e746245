package io.mediapipeline.support;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The packaged jar started as its own JVM, as systemd or a user starts it, with its output in a log file. */
public final class AppProcess {

    private AppProcess() {
    }

    /** `run` (service mode) on that --config file. */
    public static Process start(Path config, Path log, Map<String, String> env) throws IOException {
        return start("run", config, log, env);
    }

    public static Process start(String command, Path config, Path log, Map<String, String> env) throws IOException {
        Path project = PipelineHome.projectDir();
        String jar = System.getProperty("pipeline.jar", project.resolve("target/media-pipeline.jar").toString());
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dpipeline.app-home=" + project, "-jar", jar, command, "--config", config.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return pb.start();
    }
}
