package io.mediapipeline.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Warns when a configuration file that holds a password, API key or token can be read by group or others. */
final class ConfigFilePermissions {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigFilePermissions.class);

    private ConfigFilePermissions() {
    }

    static void warnIfReadable(Path file, Properties props) {
        List<String> secrets = props.stringPropertyNames().stream()
                .filter(k -> Secrets.isSecretKey(k) && !props.getProperty(k).isBlank()).sorted().toList();
        if (secrets.isEmpty()) {
            return;
        }
        Set<PosixFilePermission> mode;
        try {
            mode = Files.getPosixFilePermissions(file);
        } catch (IOException | UnsupportedOperationException e) {
            return;
        }
        boolean group = mode.contains(PosixFilePermission.GROUP_READ);
        boolean others = mode.contains(PosixFilePermission.OTHERS_READ);
        if (group || others) {
            LOG.warn("{} holds {} and can be read by {} (mode {}): chmod 600 {} (or set the value as an environment variable)",
                    file, String.join(", ", secrets), group && others ? "group and others" : group ? "its group" : "others",
                    PosixFilePermissions.toString(mode), file);
        }
    }
}
