package io.mediapipeline.flow;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A failure bean's pause: the exchange is left to fail (unhandled) only when the guard explains the failure. */
class GuardClosedExceptionTest {

    private final Exchange ex = new DefaultExchange(new DefaultCamelContext());

    @AfterEach
    void reopen() {
        FileStore.install(Guard.OPEN);
    }

    private boolean pauses(Throwable failure) {
        return GuardClosedException.pauses(ex, failure, LoggerFactory.getLogger(GuardClosedExceptionTest.class), "Test of a.jpg");
    }

    @Test
    void aRefusalDeepInTheCausesIsAPause() {
        assertThat(pauses(new IllegalStateException("wrapped", new GuardClosedException("free space is short")))).isTrue();
        assertThat(ex.getExchangeExtension().isErrorHandlerHandledSet()).isTrue();
        assertThat(ex.getExchangeExtension().isErrorHandlerHandled()).isFalse();
    }

    @Test
    void aFailureWhileTheGuardIsClosedIsAPause() {
        FileStore.install(() -> Optional.of("the NAS marker /mnt/nas/.m is missing"));
        assertThat(pauses(new IOException("Input/output error"))).isTrue();
        assertThat(ex.getExchangeExtension().isErrorHandlerHandled()).isFalse();
    }

    @Test
    void theFilesOwnFailureIsLeftToTheBean() {
        assertThat(pauses(new IOException("not a JPEG"))).isFalse();
        assertThat(ex.getExchangeExtension().isErrorHandlerHandledSet()).isFalse();
    }
}
