package io.mediapipeline.dashboard;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import java.nio.file.Path;

/**
 * The dashboard's part of {@code pipeline.management.*}: whether the management port serves at all, where, and
 * the token that guards every path on it.
 *
 * @param enabled    false: nothing is mounted (and Camel's management server is off)
 * @param host       the address the port is bound to (loopback by default)
 * @param port       the management port
 * @param token      the token when given in the settings or the environment (empty: read or make tokenFile)
 * @param tokenFile  where the token is kept when none is given
 */
public record DashboardConfig(boolean enabled, String host, int port, String token, Path tokenFile) {

    public static final String PREFIX = "pipeline.management.";
    public static final int MIN_TOKEN_LENGTH = 32;

    public static DashboardConfig from(Settings s) {
        boolean enabled = s.bool(PREFIX + "enabled");
        String token = s.get(PREFIX + "token");
        if (!token.isEmpty() && token.length() < MIN_TOKEN_LENGTH) {
            // the length is named, never the token
            throw new ConfigException(PREFIX + "token: must be at least " + MIN_TOKEN_LENGTH + " characters, got "
                    + token.length() + " (make one with: openssl rand -hex 32, or leave it empty to use token-file)");
        }
        Path file = token.isEmpty() ? s.path(PREFIX + "token-file") : null;
        return new DashboardConfig(enabled, s.get(PREFIX + "host"), s.integer(PREFIX + "port"), token, file);
    }

    @Override
    public String toString() {
        return "DashboardConfig[enabled=" + enabled + ", host=" + host + ", port=" + port + ", token="
                + (token.isEmpty() ? "" : "******") + ", tokenFile=" + tokenFile + "]";
    }
}
