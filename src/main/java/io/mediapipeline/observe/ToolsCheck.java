package io.mediapipeline.observe;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;

/**
 * Readiness check {@code tools}: every executable the enabled stages run is there and executable (found on PATH
 * when given by name). It does not run them: `doctor` checks versions.
 */
final class ToolsCheck extends ReadinessCheck {

    /** A tool by the name an operator knows and the command configured for it. */
    record Tool(String name, String command) {
    }

    private final List<Tool> tools;
    private final String path;

    ToolsCheck(List<Tool> tools, String path) {
        super("tools");
        this.tools = List.copyOf(tools);
        this.path = path == null ? "" : path;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        List<String> missing = new ArrayList<>();
        for (Tool tool : tools) {
            if (!found(tool.command())) {
                missing.add(tool.name() + " (" + tool.command() + ")");
            }
        }
        builder.detail("tools", String.join(", ", tools.stream().map(Tool::name).toList()));
        if (missing.isEmpty()) {
            builder.up();
        } else {
            down(builder, "not found or not executable: " + String.join(", ", missing));
        }
    }

    private boolean found(String command) {
        if (command.contains("/")) {
            return Files.isExecutable(Path.of(command));
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
