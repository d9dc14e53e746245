package io.mediapipeline.ops;

import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a stage's dotted metric name becomes a Micrometer meter: the variable part of a name (an account, a failure
 * kind, a decision) becomes a tag, so Prometheus sees one metric with labels instead of one metric per account.
 * Any other name is {@code pipeline.} + the name with '-' read as '.'.
 *
 * <pre>
 * icloud.ACCOUNT.outcome.LABEL     pipeline.icloud.outcomes{account,outcome}        counter
 * icloud.ACCOUNT.session-days-left pipeline.icloud.session.days.left{account}       gauge
 * icloud.ACCOUNT.circuit-open      pipeline.icloud.circuit.open{account}            gauge
 * icloud-upload.RESULT             pipeline.icloud.upload.results{result}           counter
 * pixel.failures.KIND              pipeline.pixel.failures{kind}                    counter
 * compress.DECISION                pipeline.compress.decisions{decision}            counter
 * verify.OUTCOME                   pipeline.verify.checks{outcome}                  counter
 * pixel.phone.connected            pipeline.pixel.phone.connected                   gauge (and so on)
 * </pre>
 */
public final class MetricNames {

    /** A meter's name and tags. */
    public record Id(String name, Tags tags) {
    }

    private record Rule(Pattern pattern, String name, List<String> tagKeys) {
    }

    private static final List<Rule> RULES = List.of(
            new Rule(Pattern.compile("icloud\\.([^.]+)\\.outcome\\.(.+)"), "pipeline.icloud.outcomes",
                    List.of("account", "outcome")),
            new Rule(Pattern.compile("icloud\\.([^.]+)\\.session-days-left"), "pipeline.icloud.session.days.left",
                    List.of("account")),
            new Rule(Pattern.compile("icloud\\.([^.]+)\\.circuit-open"), "pipeline.icloud.circuit.open",
                    List.of("account")),
            new Rule(Pattern.compile("icloud-upload\\.(.+)"), "pipeline.icloud.upload.results", List.of("result")),
            new Rule(Pattern.compile("pixel\\.failures\\.(.+)"), "pipeline.pixel.failures", List.of("kind")),
            new Rule(Pattern.compile("compress\\.(compressed|original|skipped|failed)"), "pipeline.compress.decisions",
                    List.of("decision")),
            new Rule(Pattern.compile("verify\\.(.+)"), "pipeline.verify.checks", List.of("outcome")));

    private MetricNames() {
    }

    public static Id of(String dotted) {
        for (Rule rule : RULES) {
            Matcher m = rule.pattern().matcher(dotted);
            if (m.matches()) {
                Tags tags = Tags.empty();
                for (int i = 0; i < rule.tagKeys().size(); i++) {
                    tags = tags.and(rule.tagKeys().get(i), m.group(i + 1));
                }
                return new Id(rule.name(), tags);
            }
        }
        return new Id("pipeline." + dotted.replace('-', '.'), Tags.empty());
    }
}
