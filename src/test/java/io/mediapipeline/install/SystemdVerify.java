package io.mediapipeline.install;

import io.mediapipeline.support.RequiredTools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code systemd-analyze verify} on a unit file. It exits 0 even when it ignores a key it does not know (it only
 * prints a line), so a unit passes only with exit 0 and nothing said about it.
 */
record SystemdVerify(int exit, String output) {

    static final Path ANALYZE = Path.of("/usr/bin/systemd-analyze");

    static SystemdVerify of(Path unit) throws IOException, InterruptedException {
        RequiredTools.need(Files.isExecutable(ANALYZE), "systemd-analyze (Debian package systemd)");
        Process p = new ProcessBuilder(List.of(ANALYZE.toString(), "verify", "--man=no", unit.toString()))
                .redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("systemd-analyze verify did not finish in 60 s");
        }
        return new SystemdVerify(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    /** Exit 0 and no line naming the unit (an ignored key, a bad value, a missing command). */
    boolean clean(Path unit) {
        String name = unit.getFileName().toString();
        return exit == 0 && output.lines().noneMatch(l -> l.contains(name));
    }
}
