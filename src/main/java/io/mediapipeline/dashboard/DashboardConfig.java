package io.mediapipeline.dashboard;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import java.nio.file.Path;

/**
 * The dashboard's part of {@code pipeline.management.*}: the token that guards every path on the management port
 * (whether and where the port serves is {@code observe.ManagementConfig}'s).
 *
 * @param token       the token when given in the settings or the environment (empty: read or make tokenFile)
 * @param tokenOrigin where the token (or the token file's setting) came from, for the operator; never the token
 * @param tokenFile   where the token is kept when none is given
 */
public record DashboardConfig(String token, String tokenOrigin, Path tokenFile) {

    public static final String PREFIX = "pipeline.management.";
    public static final int MIN_TOKEN_LENGTH = 32;

    public static DashboardConfig from(Settings s) {
        String token = s.get(PREFIX + "token");
        if (!token.isEmpty() && token.length() < MIN_TOKEN_LENGTH) {
            // the length is named, never the token
            throw new ConfigException(PREFIX + "token: must be at least " + MIN_TOKEN_LENGTH + " characters, got "
                    + token.length() + " (from " + s.origin(PREFIX + "token")
                    + "; make one with: openssl rand -hex 32, or leave it empty to use token-file)");
        }
        if (token.isEmpty()) {
            Path file = s.path(PREFIX + "token-file");
            return new DashboardConfig(token, "the token file " + file, file);
        }
        return new DashboardConfig(token, PREFIX + "token from " + s.origin(PREFIX + "token"), null);
    }

    @Override
    public String toString() {
        return "DashboardConfig[token=" + (token.isEmpty() ? "" : "******") + ", tokenOrigin=" + tokenOrigin
                + ", tokenFile=" + tokenFile + "]";
    }
}
