package io.mediapipeline.observe;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;

/**
 * The management port's settings (pipeline.management.*; the token keys are the dashboard's).
 *
 * @param enabled whether the port is opened at all
 * @param host    the address it binds (127.0.0.1 by default: only this machine)
 * @param port    the TCP port
 */
public record ManagementConfig(boolean enabled, String host, int port) {

    public static ManagementConfig from(Settings s) {
        boolean enabled = s.bool("pipeline.management.enabled");
        String host = s.get("pipeline.management.host").strip();
        if (host.isEmpty()) {
            throw new ConfigException("pipeline.management.host: must not be empty (127.0.0.1 keeps it on this machine)");
        }
        int port = s.integer("pipeline.management.port");
        if (port < 1 || port > 65535) {
            throw new ConfigException("pipeline.management.port: expected 1 to 65535, got " + port);
        }
        return new ManagementConfig(enabled, host, port);
    }
}
