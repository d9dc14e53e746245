package io.mediapipeline.dashboard;

import io.mediapipeline.config.Settings;
import io.mediapipeline.ledger.LedgerSql;
import io.mediapipeline.status.Wording;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The iCloud sign-in ({@code /signin}): each account's state as the download keeps it in the ledger, a "Send code"
 * button (icloudpd --auth-only; Apple sends a code to the trusted devices) and the form for the code. Both post
 * to the download's own route, {@code direct:icloud-sign-in}; this page knows no more of iCloud than that
 * endpoint and its headers. The code is never logged nor shown again.
 */
final class SignInPage implements Page {

    private static final Logger LOG = LoggerFactory.getLogger(SignInPage.class);
    static final String ENDPOINT = "direct:icloud-sign-in";

    private final CamelContext camel;
    private final Settings settings;
    private final DataSource dataSource;
    private ProducerTemplate producer;

    SignInPage(CamelContext camel, Settings settings, DataSource dataSource) {
        this.camel = camel;
        this.settings = settings;
        this.dataSource = dataSource;
    }

    @Override
    public String path() {
        return "/signin";
    }

    @Override
    public String label() {
        return "iCloud sign-in";
    }

    @Override
    public int order() {
        return 60;
    }

    @Override
    public void mount(Router router, View view) {
        router.get("/signin").blockingHandler(ctx -> show(ctx, view), false);
        router.post("/signin").blockingHandler(ctx -> submit(ctx, view), false);
    }

    private void show(RoutingContext ctx, View view) {
        boolean on = settings.bool("pipeline.source.icloud.enabled");
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, Map<String, Object>> states;
        try {
            states = states();
        } catch (RuntimeException e) {
            LOG.warn("dashboard: iCloud account states unavailable: {}", e.getMessage());
            view.error(ctx, 503, "The ledger cannot be read right now; see the service's log.");
            return;
        }
        for (String account : accounts()) {
            Map<String, Object> m = new HashMap<>(states.getOrDefault(account, Map.of()));
            m.put("account", account);
            m.putIfAbsent("state", "not tried yet");
            m.put("needsCode", "auth-needed".equals(m.get("state")));
            rows.add(m);
        }
        view.render(ctx, "signin", "iCloud sign-in", Map.of("on", on, "accounts", rows, "none", rows.isEmpty()));
    }

    private void submit(RoutingContext ctx, View view) {
        String account = ctx.request().getFormAttribute("account");
        String action = ctx.request().getFormAttribute("action");
        String code = ctx.request().getFormAttribute("code");
        if (account == null || !accounts().contains(account)) {
            view.error(ctx, 400, "There is no iCloud account of that name.");
            return;
        }
        if (!"request-code".equals(action) && !"submit-code".equals(action)) {
            view.error(ctx, 400, "Unknown sign-in action.");
            return;
        }
        Map<String, Object> headers = new HashMap<>();
        headers.put("account", account);
        headers.put("action", action);
        if ("submit-code".equals(action)) {
            headers.put("code", code == null ? "" : code);
        }
        String message;
        try {
            Object answer = producer().requestBodyAndHeaders(ENDPOINT, null, headers);
            message = answer instanceof Map<?, ?> m ? String.valueOf(m.get("message")) : "No answer from the download.";
            LOG.info("dashboard: iCloud sign-in of {}: {} -> {}", account, action,
                    answer instanceof Map<?, ?> m ? m.get("outcome") : "no answer");
        } catch (CamelExecutionException e) {
            // the cause's text may come from anywhere; the page says only what to do
            LOG.warn("dashboard: iCloud sign-in of {} failed: {}", account, e.getCause() == null ? "" : e.getCause().getClass().getSimpleName());
            message = settings.bool("pipeline.source.icloud.enabled")
                    ? "The sign-in could not run; see the service's log."
                    : "The iCloud source is off (pipeline.source.icloud.enabled=false).";
        }
        view.redirect(ctx, "/signin", message);
    }

    private synchronized ProducerTemplate producer() {
        if (producer == null) {
            producer = camel.createProducerTemplate();
        }
        return producer;
    }

    /** The accounts the download is configured with (one unnamed account is "default"). */
    private List<String> accounts() {
        List<String> listed = settings.list("pipeline.source.icloud.accounts");
        if (!listed.isEmpty()) {
            return listed;
        }
        return settings.get("pipeline.source.icloud.username").isBlank() ? List.of() : List.of("default");
    }

    private Map<String, Map<String, Object>> states() {
        Map<String, Map<String, Object>> out = new HashMap<>();
        if (dataSource == null) {
            return out;
        }
        new LedgerSql(dataSource).autoCommit("iCloud account states", j -> {
            j.query("""
                select account, state, last_outcome, last_message, last_attempt_at, last_success_at,
                       auth_needed_since, session_expires_at from icloud_accounts""", rs -> {
            Map<String, Object> m = new HashMap<>();
            m.put("state", rs.getString("state"));
            m.put("lastOutcome", rs.getString("last_outcome"));
            m.put("lastAttempt", Wording.when(instant(rs.getTimestamp("last_attempt_at"))));
            m.put("lastSuccess", Wording.when(instant(rs.getTimestamp("last_success_at"))));
            Instant since = instant(rs.getTimestamp("auth_needed_since"));
            if (since != null) {
                m.put("authNeededSince", Wording.when(since));
            }
            m.put("sessionUntil", Wording.when(instant(rs.getTimestamp("session_expires_at"))));
            out.put(rs.getString("account"), m);
            });
            return null;
        });
        return out;
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
