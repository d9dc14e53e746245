package io.mediapipeline.notify;

import io.mediapipeline.config.Secrets;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.http.HttpMethods;
import org.apache.camel.component.telegram.TelegramComponent;
import org.apache.camel.component.telegram.model.MessageResult;
import org.apache.camel.http.base.HttpOperationFailedException;

/**
 * Where notices go, each through a Camel endpoint: ntfy over camel-http, Telegram through camel-telegram, or any
 * endpoint URI the operator names. Tokens are set on the exchange (ntfy's Authorization header) or on a component
 * of its own (Telegram), never in an endpoint URI, so Camel has no URI with a secret to log or list.
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
            on.add(new Endpoint(c.endpoint(), template));
        }
        return on;
    }

    private static void check(Exchange done) throws Exception {
        if (done.getException() != null) {
            throw done.getException();
        }
    }

    /** ntfy: POST the body to the topic URL; title, priority and tags as its headers. */
    static final class Ntfy extends Channel {
        private final NotifyConfig.Ntfy config;
        private final ProducerTemplate template;

        Ntfy(NotifyConfig.Ntfy config, ProducerTemplate template) {
            super("ntfy", config.token(), config.url());
            this.config = config;
            this.template = template;
        }

        @Override
        void send(Notice n) throws Exception {
            check(template.send(config.url(), ex -> {
                var m = ex.getMessage();
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
        private final String uri;
        private final ProducerTemplate template;

        Endpoint(String uri, ProducerTemplate template) {
            super("endpoint", uri);
            this.uri = uri;
            this.template = template;
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
