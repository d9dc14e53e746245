package io.mediapipeline.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The logging, set up in code (found by logback as a service): parsing and acting on a logback.xml took longer than
 * a short command's own work (a rescan, doctor). One line per event on stdout, so journald keeps it, with the route
 * id from the MDC. PIPELINE_LOG_LEVEL (default INFO) and CAMEL_LOG_LEVEL (default WARN), as a system property or in
 * the environment, set the pipeline's and Camel's levels. A logback configuration file named by the system property
 * logback.configurationFile (when it is there), or a logback-test.xml on the class path, is used instead.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {

    static final String PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%X{camel.routeId:-main}] %logger{0} - %msg%n";

    /** Fixed levels: what an operator never needs at INFO. */
    private static final Map<String, Level> QUIET = Map.of(
            "org.apache.camel.main.BaseMainSupport", Level.WARN,
            // a stage leaves a queue file in place on purpose (a Live Photo half waiting for its other half, a full
            // Pixel batch): Camel calls that a rollback and would warn every poll; the routes log real failures
            "org.apache.camel.component.file.GenericFileOnCompletion", Level.ERROR,
            "org.flywaydb", Level.WARN,
            "org.quartz", Level.WARN,
            "com.zaxxer.hikari", Level.WARN);

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        String file = System.getProperty("logback.configurationFile");
        if (file != null && found(file) || LogSetup.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        if (file != null) {
            // logback would fall back to everything at DEBUG, secrets' neighbours included
            addWarn("logback.configurationFile " + file + " is neither a file nor a resource; the pipeline's own logging is used");
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stdout = new ConsoleAppender<>();
        stdout.setContext(context);
        stdout.setName("STDOUT");
        stdout.setEncoder(encoder);
        stdout.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(stdout);
        context.getLogger("org.apache.camel").setLevel(level("CAMEL_LOG_LEVEL", Level.WARN));
        QUIET.forEach((name, level) -> context.getLogger(name).setLevel(level));
        context.getLogger("io.mediapipeline").setLevel(level("PIPELINE_LOG_LEVEL", Level.INFO));
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** As logback looks for it: a URL, a resource on the class path, or a file. */
    private static boolean found(String name) {
        if (name.contains(":/")) {
            return true;
        }
        return LogSetup.class.getClassLoader().getResource(name) != null || Files.isRegularFile(Path.of(name));
    }

    /** A level from a system property or the environment (as logback.xml's ${NAME:-default}); a wrong one is the default. */
    private static Level level(String name, Level fallback) {
        String value = System.getProperty(name, System.getenv(name));
        return Level.toLevel(value, fallback);
    }
}
