package io.mediapipeline.notify;

import io.mediapipeline.config.Secrets;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.http.HttpMethods;
import org.apache.camel.component.telegram.TelegramComponent;
import org.apache.camel.component.telegram.model.MessageResult;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.camel.util.SensitiveUtils;
import org.apache.camel.util.URISupport;

/**
 * Where notices go, each through a Camel endpoint: ntfy over camel-http, Telegram through camel-telegram, or any
 * endpoint URI the operator names. Camel lists and logs endpoint URIs (JMX, the endpoint registry), so ours hold no
 * secret: ntfy's token and topic (on ntfy.sh whoever knows the topic reads it) travel on the exchange, Telegram's
 * token on a component of its own. An operator's own URI may carry secrets: what a failure logs has them masked.
 */
abstract class Channel {

    final String name;
    private final List<String> secrets = new ArrayList<>();

    Channel(String name, String... secrets) {
        this.name = name;
        for (String s : secrets) {
            if (s != null && !s.isEmpty()) {
                this.secrets.add(s);
            }
        }
        // a secret that contains another is masked first, whole
        this.secrets.sort(Comparator.comparingInt(String::length).reversed());
    }

    /** Sends one message; returns only when the channel accepted it. */
    abstract void send(Notice n) throws Exception;

    /** What may be logged of a failure: no token, no topic URL, no credential. */
    String describe(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t && (t.getMessage() == null || t instanceof org.apache.camel.CamelExecutionException)) {
            t = t.getCause();
        }
        String text = t instanceof HttpOperationFailedException h ? "HTTP " + h.getStatusCode() + " " + h.getStatusText()
                : t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
        for (String s : secrets) {
            text = text.replace(s, Secrets.MASK);
        }
        return Secrets.mask(text);
    }

    static List<Channel> of(NotifyConfig c, CamelContext camel) {
        ProducerTemplate template = camel.createProducerTemplate();
        List<Channel> on = new ArrayList<>();
        if (c.ntfy().on()) {
            on.add(new Ntfy(c.ntfy(), template));
        }
        if (c.telegram().on()) {
            on.add(new Telegram(c.telegram(), camel, template));
        }
        if (!c.endpoint().isEmpty()) {
            on.add(new Endpoint(c.endpoint(), camel, template));
        }
        return on;
    }

    private static void check(Exchange done) throws Exception {
        if (done.getException() != null) {
            throw done.getException();
        }
    }

    /**
     * ntfy: POST the body to the topic URL; title, priority and tags as its headers. The endpoint is the server
     * alone; the topic's path is set on each exchange (a Camel header, which is not sent as an HTTP header).
     */
    static final class Ntfy extends Channel {
        private final NotifyConfig.Ntfy config;
        private final ProducerTemplate template;
        private final String server;
        private final String topic;
        private final String query;

        Ntfy(NotifyConfig.Ntfy config, ProducerTemplate template) {
            super("ntfy", config.token(), config.url(), topicOf(config.url()).length() > 1 ? topicOf(config.url()) : "",
                    URI.create(config.url()).getRawQuery());
            this.config = config;
            this.template = template;
            URI u = URI.create(config.url());
            this.server = u.getScheme() + "://" + u.getRawAuthority();
            this.topic = topicOf(config.url());
            this.query = u.getRawQuery();
        }

        private static String topicOf(String url) {
            String path = URI.create(url).getRawPath();
            return path == null || path.isEmpty() ? "/" : path;
        }

        @Override
        void send(Notice n) throws Exception {
            check(template.send(server, ex -> {
                var m = ex.getMessage();
                m.setHeader(Exchange.HTTP_PATH, topic);
                if (query != null) {
                    m.setHeader(Exchange.HTTP_QUERY, query);
                }
                m.setHeader(Exchange.HTTP_METHOD, HttpMethods.POST);
                m.setHeader(Exchange.CONTENT_TYPE, "text/plain; charset=utf-8");
                m.setHeader("Title", n.title());
                m.setHeader("Priority", String.valueOf(n.priority()));
                if (!config.tags().isEmpty()) {
                    m.setHeader("Tags", String.join(",", config.tags()));
                }
                if (!config.token().isEmpty()) {
                    m.setHeader("Authorization", "Bearer " + config.token());
                }
                m.setBody(n.body());
            }));
        }
    }

    /** Telegram: sendMessage to the chat; the bot token lives on a component of its own (the API wants it in the path). */
    static final class Telegram extends Channel {
        static final String COMPONENT = "notify-telegram";
        private final String uri;
        private final ProducerTemplate template;

        Telegram(NotifyConfig.Telegram config, CamelContext camel, ProducerTemplate template) {
            super("telegram", config.token());
            TelegramComponent component = new TelegramComponent();
            component.setAuthorizationToken(config.token());
            component.setBaseUri(config.baseUri());
            if (camel.hasComponent(COMPONENT) == null) {
                camel.addComponent(COMPONENT, component);
            }
            this.uri = COMPONENT + ":bots?chatId=" + config.chatId();
            this.template = template;
        }

        @Override
        void send(Notice n) throws Exception {
            Exchange done = template.send(uri, ex -> ex.getMessage().setBody(n.text()));
            check(done);
            if (done.getMessage().getBody() instanceof MessageResult r && !r.isOk()) {
                throw new IllegalStateException("Telegram answered ok=false");
            }
        }
    }

    /** Any Camel endpoint that takes a text body; headers Title and Priority for those that can use them. */
    static final class Endpoint extends Channel {
        private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{.+?}}");
        private static final Pattern USER_INFO = Pattern.compile("^[\\w+.-]+:(?://)?([^@/?#]+)@");
        private static final Pattern SECRET_KEY = Pattern.compile("(?i).*(pass|secret|token|key|auth|credential|webhook).*");
        private final String uri;
        private final ProducerTemplate template;

        Endpoint(String uri, CamelContext camel, ProducerTemplate template) {
            super("endpoint", secrets(uri, camel));
            this.uri = uri;
            this.template = template;
        }

        /**
         * What a failure must not show of the URI, as written and as Camel resolves it: the value of every
         * placeholder, the user and password before a host, and the value of every option whose name says secret.
         */
        static String[] secrets(String raw, CamelContext camel) {
            List<String> out = new ArrayList<>(List.of(raw));
            Matcher m = PLACEHOLDER.matcher(raw);
            while (m.find()) {
                out.add(resolve(camel, m.group()));
            }
            String resolved = resolve(camel, raw);
            out.add(resolved);
            Matcher user = USER_INFO.matcher(resolved);
            if (user.find()) {
                out.add(user.group(1));
                out.add(user.group(1).substring(user.group(1).indexOf(':') + 1));
            }
            String query = URISupport.extractQuery(resolved);
            if (query != null) {
                for (String pair : query.split("&")) {
                    int eq = pair.indexOf('=');
                    String key = eq < 0 ? pair : pair.substring(0, eq);
                    if (eq > 0 && (SensitiveUtils.containsSensitive(key) || SECRET_KEY.matcher(key).matches())) {
                        String value = pair.substring(eq + 1);
                        out.add(value);
                        out.add(URLDecoder.decode(value, StandardCharsets.UTF_8));
                        if (value.startsWith("RAW(") && value.endsWith(")")) {
                            out.add(value.substring(4, value.length() - 1));
                        }
                    }
                }
            }
            return out.toArray(String[]::new);
        }

        private static String resolve(CamelContext camel, String text) {
            try {
                return camel.resolvePropertyPlaceholders(text);
            } catch (RuntimeException e) {
                return text; // unresolvable now: sending will fail and say so, masked as written
            }
        }

        @Override
        void send(Notice n) throws Exception {
            check(template.send(uri, ex -> {
                ex.getMessage().setHeader("Title", n.title());
                ex.getMessage().setHeader("Priority", n.priority());
                ex.getMessage().setBody(n.text());
            }));
        }
    }
}
