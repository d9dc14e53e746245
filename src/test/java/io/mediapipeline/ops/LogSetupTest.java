package io.mediapipeline.ops;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.core.ConsoleAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The logging set-up in code: what logback.xml said before, and the two levels an operator sets. */
class LogSetupTest {

    @Test
    void isTheSetUpLogbackFindsAndLogsOneLinePerEventOnStdout() {
        assertThat(ServiceLoader.load(ch.qos.logback.classic.spi.Configurator.class).stream()
                .map(p -> p.type().getName())).containsExactly(LogSetup.class.getName());
        LoggerContext running = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = running.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getAppender("STDOUT")).isInstanceOf(ConsoleAppender.class);
        ConsoleAppender<?> stdout = (ConsoleAppender<?>) root.getAppender("STDOUT");
        assertThat(((PatternLayoutEncoder) stdout.getEncoder()).getPattern()).isEqualTo(LogSetup.PATTERN);
        assertThat(running.getLogger("org.apache.camel.component.file.GenericFileOnCompletion").getLevel())
                .isEqualTo(Level.ERROR);
    }

    @Test
    void theOperatorsLevelsComeFromTheEnvironmentOrSystemProperties() {
        System.setProperty("PIPELINE_LOG_LEVEL", "DEBUG");
        System.setProperty("CAMEL_LOG_LEVEL", "not-a-level");
        try {
            LoggerContext context = new LoggerContext();
            LogSetup setup = new LogSetup();
            setup.setContext(context);
            assertThat(setup.configure(context)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
            assertThat(context.getLogger("io.mediapipeline.ingest.Ingest").getEffectiveLevel()).isEqualTo(Level.DEBUG);
            assertThat(context.getLogger("org.apache.camel.impl.Engine").getEffectiveLevel())
                    .as("a level logback does not know is the default").isEqualTo(Level.WARN);
            assertThat(context.getLogger("com.zaxxer.hikari.pool.HikariPool").getEffectiveLevel()).isEqualTo(Level.WARN);
            assertThat(context.getLogger("org.example").getEffectiveLevel()).isEqualTo(Level.INFO);
            context.stop();
        } finally {
            System.clearProperty("PIPELINE_LOG_LEVEL");
            System.clearProperty("CAMEL_LOG_LEVEL");
        }
    }

    @Test
    void aConfigurationFileNamedOnTheCommandLineIsLeftToLogbackWhenItIsThere(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("logback.xml"), "<configuration/>");
        System.setProperty("logback.configurationFile", file.toString());
        try {
            LoggerContext context = new LoggerContext();
            LogSetup setup = new LogSetup();
            setup.setContext(context);
            assertThat(setup.configure(context)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
            assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext()).isFalse();

            // a name that leads nowhere: logback would log everything at DEBUG
            System.setProperty("logback.configurationFile", tmp.resolve("missing.xml").toString());
            assertThat(setup.configure(context)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
            assertThat(context.getLogger("org.example").getEffectiveLevel()).isEqualTo(Level.INFO);
            context.stop();
        } finally {
            System.clearProperty("logback.configurationFile");
        }
    }
}
