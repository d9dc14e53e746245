package io.mediapipeline.icloud;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads when an account's iCloud session ends from icloudpd's cookie jar (LWP format: lines
 * {@code Set-Cookie3: NAME="…"; …; expires="2026-12-27 10:00:00Z"; …}). The trust cookie
 * (X-APPLE-WEBAUTH-HSA-TRUST) says when Apple asks for a new MFA code; failing that, the latest
 * X-APPLE-WEBAUTH-* cookie.
 */
public final class SessionCookies {

    private static final Pattern COOKIE = Pattern.compile("^Set-Cookie3:\\s*([^=]+)=.*?expires=\"([^\"]+)\"");
    private static final DateTimeFormatter LWP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private SessionCookies() {
    }

    /** The session's end, or null when no session cookie is stored. */
    public static Instant expiry(Path cookieDir) {
        if (!Files.isDirectory(cookieDir)) {
            return null;
        }
        Instant trust = null;
        Instant latest = null;
        try (Stream<Path> files = Files.list(cookieDir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                for (String line : Files.readAllLines(f, StandardCharsets.ISO_8859_1)) {
                    Matcher m = COOKIE.matcher(line);
                    if (!m.find()) {
                        continue;
                    }
                    String name = m.group(1).trim();
                    Instant at;
                    try {
                        at = LocalDateTime.parse(m.group(2).replace("Z", "").trim(), LWP).toInstant(ZoneOffset.UTC);
                    } catch (RuntimeException e) {
                        continue;
                    }
                    if (name.equals("X-APPLE-WEBAUTH-HSA-TRUST")) {
                        trust = at;
                    } else if (name.startsWith("X-APPLE-WEBAUTH-") && (latest == null || at.isAfter(latest))) {
                        latest = at;
                    }
                }
            }
        } catch (IOException e) {
            return null;
        }
        return trust != null ? trust : latest;
    }

    /** The newest modification time of the cookie folder's files (a new session arriving). */
    public static Instant lastChange(Path cookieDir) {
        if (!Files.isDirectory(cookieDir)) {
            return null;
        }
        try (Stream<Path> files = Files.list(cookieDir)) {
            return files.filter(Files::isRegularFile).map(f -> {
                try {
                    return Files.getLastModifiedTime(f).toInstant();
                } catch (IOException e) {
                    return Instant.EPOCH;
                }
            }).max(Instant::compareTo).orElse(null);
        } catch (IOException e) {
            return null;
        }
    }
}
