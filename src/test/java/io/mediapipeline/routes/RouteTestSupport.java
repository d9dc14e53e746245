package io.mediapipeline.routes;

import io.mediapipeline.cluster.ClusterModule;
import io.mediapipeline.cluster.LocalClaims;
import io.mediapipeline.cluster.OneNodeMaster;
import io.mediapipeline.ops.Activity;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.AdviceWithRouteBuilder;
import org.apache.camel.component.file.GenericFileFilter;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.processor.idempotent.MemoryIdempotentRepository;
import org.apache.camel.test.junit5.TestExecutionConfiguration;
import org.apache.camel.test.main.junit5.CamelMainTestSupport;
import org.apache.camel.util.function.ThrowingConsumer;

/**
 * Boots camel-main on some of the real route files in routes/, with config/application.properties as the
 * defaults, a temporary pipeline.home, and every bean the routes name bound to a small fake: no database,
 * no external tool. Subclasses advise the routes (AdviceWith) and then start the context themselves.
 */
abstract class RouteTestSupport extends CamelMainTestSupport {

    // set on first use, from CamelTestSupport's constructor (no initializer, so it is not reset afterwards)
    private Path home;

    /** Every call a fake bean received, as "bean.method file", in order. */
    protected final List<String> calls = new CopyOnWriteArrayList<>();

    /** This test's own pipeline.home, under target/ (a new one for each test method). */
    protected Path home() {
        if (home == null) {
            try {
                Path base = Files.createDirectories(PipelineHome.projectDir().resolve("target/route-tests"));
                home = Files.createTempDirectory(base, getClass().getSimpleName());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return home;
    }

    /** The route files under test, e.g. "10-source-folder.camel.yaml". */
    protected abstract List<String> routeFiles();

    /** Placeholders this test sets over config/application.properties. */
    protected Map<String, String> properties() {
        return Map.of();
    }

    /** Beans the routes name; the defaults are the ones every file route uses. */
    protected void bindFakes(Registry registry) {
        registry.bind("activity", new Activity());
        registry.bind("guard", guard());
    }

    /** One node: the master: routes always lead, and file claims are this JVM's (ClusterModule's one-node beans). */
    private static void bindOneNode(Registry registry) {
        registry.bind("master", new OneNodeMaster(null, "route-test"));
        LocalClaims claims = new LocalClaims();
        registry.bind("fileClaims", claims);
        // the tests take a file as soon as it is seen (pipeline.ingest.stable-seconds=0 below)
        registry.bind("folderReadLock", ClusterModule.claimedThenUnchanged(claims, 0, 10_000));
    }

    // set on first use (like home, possibly before this class's initializers ran)
    private TestGuard guard;

    /** The guard the routes ask (open unless a test closes it). */
    protected TestGuard guard() {
        if (guard == null) {
            guard = new TestGuard();
        }
        return guard;
    }

    /** A guard a test opens and closes. */
    public static final class TestGuard implements io.mediapipeline.flow.Guard {
        private volatile String closedFor;

        public void close(String why) {
            closedFor = why;
        }

        public void open() {
            closedFor = null;
        }

        @Override
        public java.util.Optional<String> blocked() {
            return java.util.Optional.ofNullable(closedFor);
        }
    }

    @Override
    public void configureTest(TestExecutionConfiguration config) {
        super.configureTest(config);
        config.withUseAdviceWith(true);
    }

    @Override
    protected void configure(MainConfigurationProperties main) {
        main.withRoutesIncludePattern(includePattern());
    }

    @Override
    protected String getPropertyPlaceholderLocations() {
        return "file:" + PipelineHome.projectDir().resolve("config/application.properties");
    }

    @Override
    protected Properties useOverridePropertiesWithPropertiesComponent() {
        Properties p = new Properties();
        p.setProperty("camel.main.routes-include-pattern", includePattern());
        p.setProperty("pipeline.home", home().toString());
        p.setProperty("mediapipeline.once", "false");
        p.setProperty("mediapipeline.icloud-run-at-start", "false");
        // a file is taken as soon as it is seen, so a test waits for the poll, not for the readLock's age
        p.setProperty("pipeline.ingest.stable-seconds", "0");
        // retries wait a tenth of the shipped delay, so the retry tests are quick (the doubling stays)
        p.setProperty("pipeline.errors.retry-delay-ms", "100");
        p.putAll(properties());
        return p;
    }

    @Override
    protected void bindToRegistry(Registry registry) throws Exception {
        bindOneNode(registry);
        bindFakes(registry);
    }

    private String includePattern() {
        return routeFiles().stream().map(f -> "file:" + PipelineHome.projectDir().resolve("routes").resolve(f))
                .collect(Collectors.joining(","));
    }

    /** Advises one route by its id, e.g. replaces its hand-on with a mock. */
    protected void advise(String routeId, ThrowingConsumer<AdviceWithRouteBuilder, Exception> advice) throws Exception {
        AdviceWith.adviceWith(context, routeId, advice);
    }

    /** What the ingest-errors give-up check answers: false = leave the file for the next poll. */
    protected volatile boolean givesUp;

    /** The exchanges ingestFailures.quarantine handled, by id (a split's parts have their own). */
    protected final List<String> quarantinedExchanges = new CopyOnWriteArrayList<>();

    /** The beans the ingest-errors route configuration calls: quarantine and ingestFailures. */
    protected void bindIngestErrorBeans(Registry registry) {
        registry.bind("quarantine", new Object() {
            public void badInput(Exchange ex) {
                record("quarantine.badInput", ex);
            }
        });
        registry.bind("ingestFailures", new Object() {
            public boolean givesUp(Exchange ex) {
                record("ingestFailures.givesUp", ex);
                return givesUp;
            }

            public void quarantine(Exchange ex) {
                record("ingestFailures.quarantine", ex);
                quarantinedExchanges.add(ex.getExchangeId());
            }
        });
    }

    /** Records the call and the file it was about. */
    protected void record(String call, Exchange ex) {
        calls.add(call + " " + ex.getIn().getHeader(Exchange.FILE_NAME_ONLY, "", String.class));
    }

    protected static Path write(Path file, String content) throws Exception {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content);
    }

    /** A file filter that lets everything through (the real one asks the ledger). */
    protected static GenericFileFilter<Object> acceptAll() {
        return f -> true;
    }

    protected static MemoryIdempotentRepository memoryRepository() {
        return (MemoryIdempotentRepository) MemoryIdempotentRepository.memoryIdempotentRepository();
    }
}
