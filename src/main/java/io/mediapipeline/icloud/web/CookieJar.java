package io.mediapipeline.icloud.web;

import io.mediapipeline.proc.PrivateFile;
import java.io.IOException;
import java.net.URI;
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
    private static final Pattern IPV4 = Pattern.compile("^\\d{1,3}(\\.\\d{1,3}){3}$");
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
        PrivateFile.write(file, out.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The Cookie header for a request to {@code uri}: the unexpired cookies whose domain and path match it, the
     * Secure ones only over https (or to this machine, where nothing crosses a network).
     */
    String header(URI uri, Instant now) {
        return cookies.values().stream().filter(c -> sendable(c, uri, now))
                .map(c -> c.name() + "=" + c.value()).collect(Collectors.joining("; "));
    }

    /** Whether a cookie named {@code name} with a value would go with a request to {@code uri}. */
    boolean has(String name, URI uri, Instant now) {
        return cookies.values().stream().anyMatch(c -> c.name().equals(name) && !c.value().isEmpty() && sendable(c, uri, now));
    }

    /** Takes in a response's Set-Cookie headers; true when the jar changed. */
    boolean absorb(List<String> setCookies, String requestHost, Instant now) {
        boolean changed = false;
        String host = requestHost == null ? "" : requestHost.toLowerCase(Locale.ROOT);
        for (String header : setCookies) {
            Cookie c = parseSetCookie(header, host, now);
            if (c == null || !domainMatch(host, c.domain())) {
                continue; // a host may only set cookies for itself or a domain it is part of
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

    private static boolean sendable(Cookie c, URI uri, Instant now) {
        String host = host(uri);
        boolean secureChannel = "https".equalsIgnoreCase(uri.getScheme()) || loopback(host);
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        return !c.expired(now) && domainMatch(host, c.domain()) && pathMatch(path, c.attributes().get("path"))
                && (secureChannel || !c.attributes().containsKey("secure"));
    }

    /**
     * RFC 6265 domain matching: the cookie's host itself, or a name under its dotted domain; an IP address only
     * ever matches itself. So web auth cookies set for icloud.com never reach another host.
     */
    static boolean domainMatch(String host, String cookieDomain) {
        String d = (cookieDomain.startsWith(".") ? cookieDomain.substring(1) : cookieDomain).toLowerCase(Locale.ROOT);
        return !d.isEmpty() && (host.equals(d) || !ipLiteral(host) && host.endsWith("." + d));
    }

    private static boolean pathMatch(String requestPath, String cookiePath) {
        String p = cookiePath == null || cookiePath.isEmpty() ? "/" : cookiePath;
        return requestPath.equals(p) || requestPath.startsWith(p.endsWith("/") ? p : p + "/");
    }

    /** This machine by its literal name: the only place a Secure cookie may go over plain http. */
    static boolean loopback(String host) {
        return host.equals("localhost") || host.equals("::1") || host.equals("[::1]") || host.startsWith("127.")
                && ipLiteral(host);
    }

    private static boolean ipLiteral(String host) {
        return host.indexOf(':') >= 0 || host.startsWith("[") || IPV4.matcher(host).matches();
    }

    private static String host(URI uri) {
        return uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
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
