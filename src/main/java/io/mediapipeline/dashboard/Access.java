package io.mediapipeline.dashboard;

import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The one gate in front of every path on the management port, Camel's /observe/* included. A request passes with
 * {@code Authorization: Bearer TOKEN} (scrapers, curl), with the session cookie, or, on a GET, with
 * {@code ?token=TOKEN}: that first visit gets a session cookie and a 303 to the same address without the token, so
 * it leaves the address bar and the history. Everything else gets 401 before its body is read. A POST must also
 * carry its session's CSRF token (checked by {@link #csrf}, after the body is read) and, when the browser says where
 * it comes from, come from this server.
 */
final class Access {

    static final String COOKIE = "mp_session";
    /** Where a handler finds the request's session (absent for a Bearer request). */
    static final String SESSION = "dashboard.session";
    static final String CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self';"
            + " frame-ancestors 'none'; base-uri 'none'";
    /** A path on this server: one slash, then printable ASCII; never a second slash or backslash next. */
    private static final Pattern LOCAL_PATH = Pattern.compile("/(?![/\\\\])[!-~]*");

    private static final String DENIED = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in needed</title></head>
            <body><h1>Sign in needed</h1><p>Open the dashboard with its address including <code>?token=…</code>.
            The service's log line "Dashboard on …" says where the token is: under the systemd service,
            <code>PIPELINE_MANAGEMENT_TOKEN</code> in <code>/etc/media-pipeline/env</code>; otherwise
            <code>pipeline.management.token</code> in the settings or the environment, or else the token file
            (<code>state/management.token</code> in the data folder). <code>media-pipeline demo</code> prints the
            whole address.</p>
            </body></html>""";

    private final ManagementToken token;
    private final Sessions sessions;

    Access(ManagementToken token, Sessions sessions) {
        this.token = token;
        this.sessions = sessions;
    }

    /** Runs first for every request: headers, then who is asking. */
    void check(RoutingContext ctx) {
        secureHeaders(ctx.response());
        String auth = ctx.request().getHeader("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            if (token.matches(auth.substring(7).trim())) {
                Sessions.Session s = sessionOf(ctx);
                if (s != null) {
                    ctx.put(SESSION, s);
                }
                ctx.next();
            } else {
                deny(ctx);
            }
            return;
        }
        Sessions.Session session = sessionOf(ctx);
        String given = ctx.request().getParam("token");
        if (given != null && ctx.request().method() == HttpMethod.GET && token.matches(given)) {
            if (session == null) {
                session = sessions.create();
            }
            ctx.response().addCookie(Cookie.cookie(COOKIE, session.id).setHttpOnly(true)
                    .setSameSite(CookieSameSite.STRICT).setPath("/").setMaxAge(Sessions.LIFETIME.toSeconds()));
            ctx.response().setStatusCode(303).putHeader("Location", withoutToken(ctx)).end();
            return;
        }
        if (session == null) {
            deny(ctx);
            return;
        }
        ctx.put(SESSION, session);
        ctx.next();
    }

    /** After the body is read: a POST carries its session's CSRF token and, if the browser names one, our origin. */
    void csrf(RoutingContext ctx) {
        if (ctx.request().method() != HttpMethod.POST) {
            ctx.next();
            return;
        }
        Sessions.Session s = ctx.get(SESSION);
        String field = ctx.request().getFormAttribute("csrf");
        boolean tokenOk = s != null && field != null && MessageDigest.isEqual(
                s.csrf.getBytes(StandardCharsets.UTF_8), field.getBytes(StandardCharsets.UTF_8));
        if (!tokenOk || !sameOrigin(ctx)) {
            ctx.response().setStatusCode(403).putHeader("Content-Type", "text/html; charset=utf-8")
                    .end("<!doctype html><title>Refused</title><p>This form is out of date or did not come from this"
                            + " dashboard. Reload the page and try again.</p>");
            return;
        }
        ctx.next();
    }

    static void secureHeaders(HttpServerResponse r) {
        r.putHeader("Content-Security-Policy", CSP);
        r.putHeader("X-Content-Type-Options", "nosniff");
        r.putHeader("Referrer-Policy", "no-referrer");
        r.putHeader("X-Frame-Options", "DENY");
        r.putHeader("Cache-Control", "no-store");
    }

    private Sessions.Session sessionOf(RoutingContext ctx) {
        Cookie c = ctx.request().getCookie(COOKIE);
        return c == null ? null : sessions.find(c.getValue());
    }

    private static void deny(RoutingContext ctx) {
        ctx.response().setStatusCode(401).putHeader("Content-Type", "text/html; charset=utf-8")
                .putHeader("Connection", "close").end(DENIED);
    }

    private static boolean sameOrigin(RoutingContext ctx) {
        String host = ctx.request().getHeader("Host");
        String origin = ctx.request().getHeader("Origin");
        if (origin == null || origin.equals("null")) {
            String referer = ctx.request().getHeader("Referer");
            if (referer == null) {
                // under Referrer-Policy no-referrer a browser sends "Origin: null" and no Referer: the CSRF token
                // (and the SameSite=Strict cookie) then decide
                return true;
            }
            origin = referer;
        }
        try {
            URI u = URI.create(origin);
            String authority = u.getRawAuthority();
            return host != null && authority != null && authority.equalsIgnoreCase(host);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * The same address without the token: every parameter whose decoded name is "token" goes ({@code %74oken} too),
     * and a path that a browser could read as another host ({@code //evil}, {@code /\evil}, or with characters a
     * browser drops) becomes {@code /}.
     */
    static String withoutToken(String path, String query) {
        String rest = query == null ? "" : Arrays.stream(query.split("&"))
                .filter(p -> !p.isEmpty() && !"token".equals(decodedName(p))).collect(Collectors.joining("&"));
        return (path != null && LOCAL_PATH.matcher(path).matches() ? path : "/") + (rest.isEmpty() ? "" : "?" + rest);
    }

    private static String withoutToken(RoutingContext ctx) {
        return withoutToken(ctx.request().path(), ctx.request().query());
    }

    /** The parameter's name as the server reads it; "token" when it cannot be decoded, so it is dropped too. */
    private static String decodedName(String param) {
        int eq = param.indexOf('=');
        try {
            return URLDecoder.decode(eq < 0 ? param : param.substring(0, eq), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "token";
        }
    }
}
