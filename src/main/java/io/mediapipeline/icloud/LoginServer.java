package io.mediapipeline.icloud;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.mediapipeline.config.ConfigException;
import io.mediapipeline.icloud.IcloudStore.AccountState;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sign-in page for MFA codes, so no shell is needed: http://127.0.0.1:PORT/icloud/login?token=TOKEN.
 * Loopback only, every request needs the token (query or "Authorization: Bearer"), checked before a request
 * body is read, and neither the token, the password nor the code is ever logged. "Send code" starts icloudpd --auth-only
 * (Apple sends a code to the trusted devices); the code typed in goes to that same icloudpd's stdin.
 */
public final class LoginServer {

    private static final Logger LOG = LoggerFactory.getLogger(LoginServer.class);

    public static final int MIN_TOKEN_LENGTH = 32;
    // no scripts, no framing, forms post only back here: a page that leaks nothing to another site
    private static final String CSP = "default-src 'none'; form-action 'self';"
            + " frame-ancestors 'none'; base-uri 'none'";

    private final IcloudDownloader downloader;
    private final byte[] tokenHash;
    private final HttpServer server;

    public LoginServer(IcloudDownloader downloader, int port, String token) throws IOException {
        checkToken(token);
        this.downloader = downloader;
        this.tokenHash = sha256(token);
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 8);
        server.createContext("/icloud/login", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "icloud-login-page");
            t.setDaemon(true);
            return t;
        }));
    }

    /** A token short enough to guess is refused before anything listens; the token itself is never shown. */
    static void checkToken(String token) {
        if (token.length() < MIN_TOKEN_LENGTH) {
            throw new ConfigException("pipeline.source.icloud.login.token: must be at least " + MIN_TOKEN_LENGTH
                    + " characters, got " + token.length() + " (make one with: openssl rand -hex 32)");
        }
    }

    public void start() {
        server.start();
        LOG.info("iCloud login page on http://127.0.0.1:{}/icloud/login (token required)", port());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            Map<String, String> params = query(ex.getRequestURI().getRawQuery());
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            String given = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : params.getOrDefault("token", "");
            // before the body: a stranger's request costs no read, and hashes make the compare length-blind
            if (!MessageDigest.isEqual(tokenHash, sha256(given))) {
                ex.getResponseHeaders().set("Connection", "close");
                send(ex, 403, page("Forbidden", "<p>A valid token is needed.</p>", ""));
                return;
            }
            if (ex.getRequestMethod().equals("POST")) {
                params.putAll(query(new String(ex.getRequestBody().readNBytes(8192), StandardCharsets.UTF_8)));
            }
            String tok = URLEncoder.encode(given, StandardCharsets.UTF_8);
            if (ex.getRequestMethod().equals("GET")) {
                send(ex, 200, page("iCloud sign-in", overview(tok), ""));
                return;
            }
            if (!ex.getRequestMethod().equals("POST")) {
                send(ex, 405, page("Not allowed", "", ""));
                return;
            }
            String account = params.getOrDefault("account", "");
            if (downloader.settings().accounts().stream().noneMatch(a -> a.name().equals(account))) {
                send(ex, 400, page("Unknown account", "<p>No such account.</p>", overview(tok)));
                return;
            }
            String action = params.getOrDefault("action", "");
            if (action.equals("start")) {
                String err = downloader.startLogin(account);
                if (err == null && downloader.waitingForCode(account)) {
                    send(ex, 200, page("Enter the code", "<p id=\"status\">waiting-for-code</p>"
                            + "<p>Apple sent a code to the trusted devices of " + html(account) + ".</p>"
                            + codeForm(tok, account), ""));
                } else if (err == null) {
                    send(ex, 200, page("Signed in", "<p id=\"status\">signed-in</p><p>No code was needed.</p>", overview(tok)));
                } else {
                    send(ex, 502, page("Sign-in failed", "<p id=\"status\">failed</p><p>" + html(err) + "</p>", overview(tok)));
                }
            } else if (action.equals("code")) {
                String code = params.getOrDefault("code", "").trim();
                if (!code.matches("[0-9]{6}")) {
                    send(ex, 400, page("Code", "<p id=\"status\">bad-code</p><p>The code has six digits.</p>", codeForm(tok, account)));
                    return;
                }
                String err = downloader.submitCode(account, code);
                if (err == null) {
                    send(ex, 200, page("Signed in", "<p id=\"status\">signed-in</p><p>Downloads resume now.</p>", overview(tok)));
                } else {
                    send(ex, 502, page("Sign-in failed", "<p id=\"status\">failed</p><p>" + html(err) + "</p>", overview(tok)));
                }
            } else {
                send(ex, 400, page("Unknown action", "", overview(tok)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            send(ex, 503, page("Stopping", "", ""));
        } catch (RuntimeException e) {
            LOG.warn("login page: {}", e.getMessage());
            send(ex, 500, page("Error", "<p>" + html(String.valueOf(e.getMessage())) + "</p>", ""));
        }
    }

    private String overview(String tok) {
        StringBuilder b = new StringBuilder("<table><tr><th>account</th><th>state</th><th>last outcome</th><th>session until</th><th></th></tr>");
        for (AccountState s : downloader.states()) {
            b.append("<tr><td>").append(html(s.account())).append("</td><td>").append(html(s.state()))
                    .append("</td><td>").append(html(String.valueOf(s.lastOutcome()))).append("</td><td>")
                    .append(html(String.valueOf(s.sessionExpiresAt()))).append("</td><td>")
                    .append("<form method=\"post\" action=\"/icloud/login?token=").append(tok)
                    .append("\"><input type=\"hidden\" name=\"action\" value=\"start\">")
                    .append("<input type=\"hidden\" name=\"account\" value=\"").append(html(s.account()))
                    .append("\"><button>Sign in / send code</button></form></td></tr>");
        }
        return b.append("</table>").toString();
    }

    private static String codeForm(String tok, String account) {
        return "<form method=\"post\" action=\"/icloud/login?token=" + tok
                + "\"><input type=\"hidden\" name=\"action\" value=\"code\"><input type=\"hidden\" name=\"account\" value=\""
                + html(account) + "\"><label>Code <input name=\"code\" inputmode=\"numeric\" pattern=\"[0-9]{6}\""
                + " autocomplete=\"one-time-code\" autofocus></label> <button>Sign in</button></form>";
    }

    private static String page(String title, String body, String more) {
        return "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\">"
                + "<title>" + html(title) + "</title></head><body><h1>" + html(title) + "</h1>" + body + more + "</body></html>";
    }

    private static void send(HttpExchange ex, int status, String html) throws IOException {
        byte[] body = html.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
        ex.getResponseHeaders().set("X-Frame-Options", "DENY");
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.getResponseHeaders().set("Content-Security-Policy", CSP);
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String html(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
