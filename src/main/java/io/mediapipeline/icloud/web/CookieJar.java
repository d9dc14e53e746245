package io.mediapipeline.icloud.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * An LWP cookie jar as Python's LWPCookieJar (icloudpd, pyicloud) reads and writes it: a {@code #LWP-Cookies-2.0}
 * line, then one {@code Set-Cookie3: NAME="VALUE"; path="/"; domain=".icloud.com"; …; expires="…Z"} line per cookie.
 * Values are kept verbatim (Apple's own quotes included), because the service wants them back as it set them.
 * Not thread-safe: the owner synchronizes.
 */
final class CookieJar {

    static final String WEBAUTH_TOKEN = "X-APPLE-WEBAUTH-TOKEN";
    private static final String HEADER = "#LWP-Cookies-2.0";
    private static final String PREFIX = "Set-Cookie3:";
    private static final Pattern TOKEN = Pattern.compile("^\\w+$");
    private static final DateTimeFormatter LWP_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    /** One cookie: its value and the LWP attributes in file order (a null value is a bare flag like "secure"). */
    private record Cookie(String name, String value, Map<String, String> attributes) {

        String domain() {
            return attributes.getOrDefault("domain", "");
        }

        boolean expired(Instant now) {
            Instant at = expires(attributes.get("expires"));
            return at != null && !at.isAfter(now);
        }
    }

    private final Map<String, Cookie> cookies = new LinkedHashMap<>(); // key: name + domain + path

    static CookieJar read(Path file) throws IOException {
        CookieJar jar = new CookieJar();
        if (!Files.isRegularFile(file)) {
            return jar;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.startsWith(PREFIX)) {
                List<String[]> words = words(line.substring(PREFIX.length()));
                if (!words.isEmpty() && words.get(0)[1] != null) {
                    Map<String, String> attrs = new LinkedHashMap<>();
                    words.subList(1, words.size()).forEach(w -> attrs.put(w[0], w[1]));
                    jar.put(new Cookie(words.get(0)[0], words.get(0)[1], attrs));
                }
            }
        }
        return jar;
    }

    /** Writes the jar in LWP format, atomically and readable by this user only. */
    void write(Path file) throws IOException {
        StringBuilder out = new StringBuilder(HEADER).append('\n');
        for (Cookie c : cookies.values()) {
            out.append(PREFIX).append(' ').append(c.name()).append('=').append(quote(c.value()));
            c.attributes().forEach((k, v) -> out.append("; ").append(k).append(v == null ? "" : "=" + quote(v)));
            out.append('\n');
        }
        PrivateFiles.write(file, out.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The Cookie header for the web services: the unexpired cookies of the icloud.com family. */
    String header(Instant now) {
        return cookies.values().stream().filter(c -> !c.expired(now)).filter(c -> serviceDomain(c.domain()))
                .map(c -> c.name() + "=" + c.value()).collect(Collectors.joining("; "));
    }

    boolean has(String name, Instant now) {
        return cookies.values().stream().anyMatch(c -> c.name().equals(name) && !c.expired(now)
                && !c.value().isEmpty() && serviceDomain(c.domain()));
    }

    /** Takes in a response's Set-Cookie headers; true when the jar changed. */
    boolean absorb(List<String> setCookies, String requestHost, Instant now) {
        boolean changed = false;
        for (String header : setCookies) {
            Cookie c = parseSetCookie(header, requestHost, now);
            if (c == null) {
                continue;
            }
            Cookie old = cookies.get(key(c));
            if (c.expired(now)) {
                changed |= cookies.remove(key(c)) != null;
            } else if (!c.equals(old)) {
                put(c);
                changed = true;
            }
        }
        return changed;
    }

    /** Cookie names only: the values are secrets. */
    @Override
    public String toString() {
        return "CookieJar" + cookies.values().stream().map(Cookie::name).toList();
    }

    private void put(Cookie c) {
        cookies.put(key(c), c);
    }

    private static String key(Cookie c) {
        return c.name() + ";" + c.domain() + ";" + c.attributes().getOrDefault("path", "/");
    }

    /** The web services authenticate with cookies set for icloud.com (icloud.com.cn in China mainland). */
    private static boolean serviceDomain(String domain) {
        String d = domain.startsWith(".") ? domain.substring(1) : domain;
        return d.equals("icloud.com") || d.endsWith(".icloud.com") || d.equals("icloud.com.cn")
                || d.endsWith(".icloud.com.cn");
    }

    private static Cookie parseSetCookie(String header, String requestHost, Instant now) {
        String[] parts = header.split(";");
        int eq = parts[0].indexOf('=');
        if (eq <= 0) {
            return null;
        }
        String name = parts[0].substring(0, eq).trim();
        String value = parts[0].substring(eq + 1).trim();
        String domain = requestHost;
        String path = "/";
        String expires = null;
        boolean secure = false;
        boolean httpOnly = false;
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim();
            int e = p.indexOf('=');
            String k = (e < 0 ? p : p.substring(0, e)).trim().toLowerCase(Locale.ROOT);
            String v = e < 0 ? "" : p.substring(e + 1).trim();
            switch (k) {
                case "domain" -> domain = v.startsWith(".") ? v : "." + v;
                case "path" -> path = v;
                case "expires" -> expires = expires != null ? expires : lwpTime(httpDate(v));
                case "max-age" -> expires = lwpTime(maxAge(v, now));
                case "secure" -> secure = true;
                case "httponly" -> httpOnly = true;
                default -> { }
            }
        }
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("path", path);
        attrs.put("domain", domain);
        attrs.put("path_spec", null);
        if (domain.startsWith(".")) {
            attrs.put("domain_dot", null);
        }
        if (secure) {
            attrs.put("secure", null);
        }
        if (expires != null) {
            attrs.put("expires", expires);
        } else {
            attrs.put("discard", null);
        }
        if (httpOnly) {
            attrs.put("HttpOnly", "None");
        }
        attrs.put("version", "0");
        return new Cookie(name, value, attrs);
    }

    private static Instant httpDate(String v) {
        for (DateTimeFormatter f : List.of(DateTimeFormatter.RFC_1123_DATE_TIME,
                DateTimeFormatter.ofPattern("EEE, dd-MMM-yyyy HH:mm:ss zzz", Locale.ENGLISH))) {
            try {
                return ZonedDateTime.parse(v, f).toInstant();
            } catch (DateTimeParseException e) {
                // try the next spelling
            }
        }
        return null;
    }

    private static Instant maxAge(String v, Instant now) {
        try {
            return now.plusSeconds(Long.parseLong(v));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String lwpTime(Instant at) {
        return at == null ? null : LWP_TIME.format(at.atOffset(ZoneOffset.UTC)) + "Z";
    }

    private static Instant expires(String lwp) {
        if (lwp == null) {
            return null;
        }
        try {
            return LocalDateTime.parse(lwp.replace("Z", "").trim(), LWP_TIME).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String quote(String v) {
        if (TOKEN.matcher(v).matches()) {
            return v;
        }
        return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Python's split_header_words for one line: {@code key=value} or {@code key=\"quoted\"} words split by ';'. */
    private static List<String[]> words(String text) {
        List<String[]> out = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            while (i < n && (text.charAt(i) == ' ' || text.charAt(i) == ';' || text.charAt(i) == ',')) {
                i++;
            }
            int start = i;
            while (i < n && text.charAt(i) != '=' && text.charAt(i) != ';') {
                i++;
            }
            String key = text.substring(start, i).trim();
            String value = null;
            if (i < n && text.charAt(i) == '=') {
                i++;
                StringBuilder v = new StringBuilder();
                if (i < n && text.charAt(i) == '"') {
                    for (i++; i < n && text.charAt(i) != '"'; i++) {
                        char ch = text.charAt(i);
                        if (ch == '\\' && i + 1 < n) {
                            ch = text.charAt(++i);
                        }
                        v.append(ch);
                    }
                    i++;
                } else {
                    for (; i < n && text.charAt(i) != ';'; i++) {
                        v.append(text.charAt(i));
                    }
                }
                value = v.toString().trim();
            }
            if (!key.isEmpty()) {
                out.add(new String[] {key, value});
            }
        }
        return out;
    }
}
