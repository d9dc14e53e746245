package io.mediapipeline.observe;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * A cause the pipeline cannot work without right now (database, tools, NAS, space): it makes the service not ready
 * (HTTP 503 on /observe/health/ready, with the reason), never "not alive", since restarting the process fixes none
 * of them.
 */
abstract class ReadinessCheck extends AbstractHealthCheck {

    static final String GROUP = "pipeline";

    ReadinessCheck(String id) {
        super(GROUP, id);
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    /** DOWN with its reason, as the message and as a detail (the default exposure level shows both). */
    static void down(HealthCheckResultBuilder builder, String reason) {
        builder.down().message(reason).detail("reason", reason);
    }
}
