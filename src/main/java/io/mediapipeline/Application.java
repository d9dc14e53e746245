package io.mediapipeline;

import io.mediapipeline.archive.Organizer;
import io.mediapipeline.cli.Backfill;
import io.mediapipeline.cli.Doctor;
import io.mediapipeline.compress.ChildProcessExecutor;
import io.mediapipeline.compress.CompressConfig;
import io.mediapipeline.compress.CompressLedger;
import io.mediapipeline.compress.CompressQueue;
import io.mediapipeline.compress.EncodePool;
import io.mediapipeline.compress.Compressor;
import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Secrets;
import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.flow.Stage;
import io.mediapipeline.icloud.IcloudDownloader;
import io.mediapipeline.icloud.IcloudSettings;
import io.mediapipeline.icloud.IcloudStore;
import io.mediapipeline.icloud.LivePhotos;
import io.mediapipeline.icloud.LoginServer;
import io.mediapipeline.ingest.Ingest;
import io.mediapipeline.ingest.GivenUp;
import io.mediapipeline.ingest.Quarantine;
import io.mediapipeline.ingest.RepeatedFailures;
import io.mediapipeline.ingest.RunContext;
import io.mediapipeline.ingest.SourceFilter;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.media.ExifTool;
import io.mediapipeline.media.MediaProbe;
import io.mediapipeline.demo.SampleLibrary;
import io.mediapipeline.ops.Activity;
import io.mediapipeline.ops.JmxInstall;
import io.mediapipeline.ops.Metrics;
import io.mediapipeline.ops.Reconciler;
import io.mediapipeline.ops.RouteControl;
import io.mediapipeline.ops.RunWatcher;
import io.mediapipeline.pixel.PixelTarget;
import io.mediapipeline.report.RunReport;
import io.mediapipeline.report.Unfinished;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.processor.idempotent.jdbc.JdbcCachedMessageIdRepository;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point: {@code media-pipeline <run|once|backfill DIR|doctor|samples DIR> [--config FILE]}.
 *
 * <p>Configuration is checked and the ledger opened before Camel starts, so a bad key or an
 * unreachable database ends the process at once with exit code 1 and one clear line.
 * `once` exits 0 when everything is done, 3 when it is done but some inputs were quarantined, 4 when
 * something is not done (an input or a stage unfinished, a source not read completely, a delivery not proven).
 */
public final class Application {

    private static final Logger LOG = LoggerFactory.getLogger(Application.class);

    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_QUARANTINED = 3;
    public static final int EXIT_NOT_DONE = 4;

    private static final int SUMMARY_LINES = 20;

    /** The stages, in pipeline order: adding a stage is one line here. */
    static List<Stage> stages() {
        return List.of();
    }

    private static final String USAGE = """
            usage: media-pipeline <command> [--config FILE]
              run            service mode (what systemd starts)
              once           process everything pending, then exit: 0 all done, 3 done with some files
                             quarantined, 4 finished but not all done (the summary says what and why;
                             wins over 3), 1 could not run
              backfill DIR   register an existing archive in the ledger without moving anything
              doctor         check tools, database, disk space and configuration; say what to fix
              samples DIR    write a small sample library (used by `demo`)
              syncthing-pair DIR SERVER_FOLDER
                             run two loopback Syncthing instances (server + stand-in phone) until stopped;
                             writes DIR/pixel.properties for --config (used by `demo`)
              route stop|start|status [ROUTE] [--jmx DIR]
                             stop, start or show a stage of the running service (over its authenticated JMX)
              install-jmx [DIR] [--owner USER] [--port N]
                             write the JMX password, access and management files (0600) for the service""";

    private Application() {
    }

    public static void main(String[] args) {
        int code;
        try {
            code = run(args);
        } catch (ConfigException e) {
            System.err.println("configuration error: " + Secrets.mask(e.getMessage()));
            code = EXIT_FAILED;
        } catch (Throwable e) {
            System.err.println("media-pipeline: " + Secrets.mask(e.getMessage()));
            LOG.debug("startup failure", e);
            code = EXIT_FAILED;
        }
        // Exit explicitly: a stray non-daemon thread must never keep a failed process alive under systemd.
        System.exit(code);
    }

    public static int run(String[] args) throws Exception {
        List<String> positional = new ArrayList<>();
        Path config = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config")) {
                if (i + 1 >= args.length) {
                    System.err.println("--config needs a file");
                    return EXIT_USAGE;
                }
                config = Path.of(args[++i]);
            } else if (args[i].equals("-h") || args[i].equals("--help")) {
                System.out.println(USAGE);
                return EXIT_OK;
            } else {
                positional.add(args[i]);
            }
        }
        if (positional.isEmpty()) {
            System.err.println(USAGE);
            return EXIT_USAGE;
        }
        Path appHome = Path.of(System.getProperty("pipeline.app-home", ".")).toAbsolutePath().normalize();
        String command = positional.get(0);
        switch (command) {
            case "samples" -> {
                if (positional.size() != 2) {
                    System.err.println("usage: media-pipeline samples DIR");
                    return EXIT_USAGE;
                }
                var manifest = SampleLibrary.generate(Path.of(positional.get(1)), "ffmpeg", "exiftool");
                System.out.println("Wrote " + manifest.files().size() + " sample files to " + positional.get(1));
                return EXIT_OK;
            }
            case "syncthing-pair" -> {
                if (positional.size() != 3) {
                    System.err.println("usage: media-pipeline syncthing-pair DIR SERVER_FOLDER");
                    return EXIT_USAGE;
                }
                return io.mediapipeline.pixel.LoopbackPair.cli(Path.of(positional.get(1)).toAbsolutePath(),
                        Path.of(positional.get(2)).toAbsolutePath());
            }
            case "doctor" -> {
                return Doctor.run(appHome, config);
            }
            case "install-jmx" -> {
                return JmxInstall.cli(positional.subList(1, positional.size()));
            }
            case "route" -> {
                return RouteControl.cli(positional.subList(1, positional.size()));
            }
            case "backfill" -> {
                if (positional.size() != 2) {
                    System.err.println("usage: media-pipeline backfill DIR");
                    return EXIT_USAGE;
                }
                Settings settings = Settings.load(appHome, config, System.getenv(), System.getProperties());
                return Backfill.run(settings, Path.of(positional.get(1)));
            }
            case "run", "once" -> {
                Settings settings = Settings.load(appHome, config, System.getenv(), System.getProperties());
                return serve(settings, command.equals("once"));
            }
            default -> {
                System.err.println("unknown command '" + command + "'\n" + USAGE);
                return EXIT_USAGE;
            }
        }
    }

    private static int serve(Settings settings, boolean once) throws Exception {
        Path home = settings.home();
        Database db = Database.open(settings);
        ExifTool exif = null;
        try {
            Ledger ledger = new Ledger(db.dataSource());
            exif = new ExifTool(settings.get("pipeline.tools.exiftool"));
            MediaProbe probe = new MediaProbe(exif, settings.get("pipeline.tools.ffprobe"),
                    settings.get("pipeline.tools.ffmpeg"), settings.zone());
            List<String> afterIngest = new ArrayList<>();
            if (settings.bool("pipeline.organize.enabled")) {
                afterIngest.add("organize");
            }
            CompressConfig compress = CompressConfig.from(settings);
            if (settings.bool("pipeline.compress.enabled")) {
                afterIngest.add("compress");
            }
            if (settings.bool("pipeline.target.pixel.enabled")) {
                afterIngest.add("pixel");
            }
            Handoff handoff = new Handoff(home.resolve("work"), afterIngest);
            CompressLedger compressLedger = new CompressLedger(db.dataSource());
            CompressQueue compressQueue = new CompressQueue(compressLedger, compress, handoff);
            new Reconciler(ledger, handoff, home, compressQueue).reconcile();

            RunContext run = new RunContext(ledger, once ? "once" : "run", settings.node());
            Activity activity = new Activity();
            Metrics metrics = new Metrics().register();
            JdbcCachedMessageIdRepository folderImports = new JdbcCachedMessageIdRepository(db.dataSource(), "source-folder");
            folderImports.setCreateTableIfNotExists(false);

            Main main = new Main();
            java.util.Properties camelProps = settings.forCamel();
            if (once) {
                // `once` must notice "nothing left" quickly; the service polls at the configured pace.
                camelProps.setProperty("pipeline.source.folder.poll-seconds", "1");
                camelProps.setProperty("pipeline.source.inbox.poll-seconds", "1");
            }
            IcloudSettings icloud = IcloudSettings.of(settings);
            List<String> icloudAccounts = settings.bool("pipeline.source.icloud.enabled")
                    ? icloud.accounts().stream().map(IcloudSettings.Account::name).toList() : List.of();
            RunReport report = new RunReport(ledger, home, once ? new Unfinished(ledger, handoff, icloudAccounts) : null);
            if (settings.bool("pipeline.source.icloud.enabled") && icloud.missingPassword() != null) {
                throw new ConfigException(icloud.missingPassword());
            }
            camelProps.setProperty("pipeline.source.icloud.schedule-timezone", icloud.scheduleZone().getId());
            camelProps.setProperty("mediapipeline.icloud-run-at-start",
                    String.valueOf(once || settings.bool("pipeline.source.icloud.run-at-start")));
            IcloudDownloader icloudDownloader = new IcloudDownloader(icloud, new IcloudStore(db.dataSource()), home, activity, metrics);
            LoginServer loginServer = null;
            if (settings.bool("pipeline.source.icloud.enabled") && settings.integer("pipeline.source.icloud.login.port") > 0) {
                if (settings.get("pipeline.source.icloud.login.token").isBlank()) {
                    LOG.warn("iCloud login page is off: set PIPELINE_SOURCE_ICLOUD_LOGIN_TOKEN (pipeline.source.icloud.login.token)");
                } else {
                    try {
                        loginServer = new LoginServer(icloudDownloader, settings.integer("pipeline.source.icloud.login.port"),
                                settings.get("pipeline.source.icloud.login.token"));
                    } catch (java.io.IOException e) {
                        throw new ConfigException("pipeline.source.icloud.login.port: cannot listen on 127.0.0.1:"
                                + settings.get("pipeline.source.icloud.login.port") + " (" + e.getMessage() + ")");
                    }
                }
            }
            LoginServer loginPage = loginServer;
            camelProps.setProperty("mediapipeline.once", String.valueOf(once));
            main.setOverrideProperties(camelProps);
            // shared beans, found by type by the stages' @BindToRegistry methods
            main.bind("settings", settings);
            main.bind("dataSource", db.dataSource());
            main.bind("handoff", handoff);
            main.bind("run", run);
            main.bind("exifTool", exif);
            main.bind("mediaProbe", probe);
            for (Stage stage : stages()) {
                stage.check(settings);
                main.configure().addConfiguration(stage);
            }
            main.bind("icloudDownloader", icloudDownloader);
            main.bind("livePhotos", new LivePhotos(db.dataSource()));
            main.bind("ledger", ledger);
            main.bind("activity", activity);
            main.bind("failedFileExchanges", activity.failedFileExchanges());
            main.bind("metrics", metrics);
            main.bind("folderImports", folderImports);
            main.bind("ingest", new Ingest(ledger, probe, handoff, run, home,
                    settings.get("pipeline.ingest.wrong-extension").equals("fix")));
            GivenUp givenUp = new GivenUp(ledger, run, settings.integer("pipeline.ingest.max-attempts"));
            Quarantine quarantine = new Quarantine(ledger, run, home, givenUp);
            main.bind("quarantine", quarantine);
            main.bind("ingestFailures", new RepeatedFailures(ledger, quarantine, settings.integer("pipeline.ingest.max-attempts"), givenUp));
            java.time.Duration fresh = java.time.Duration.ofSeconds(settings.integer("pipeline.ingest.stable-seconds") + 2L);
            main.bind("folderFilter", new SourceFilter(ledger, run, "folder", settings.path("pipeline.source.folder.path"),
                    SourceFilter.Links.valueOf(settings.get("pipeline.source.folder.links").toUpperCase(java.util.Locale.ROOT)),
                    settings.integer("pipeline.source.folder.max-depth"), activity::workHappened, fresh, givenUp));
            main.bind("inboxFilter", new SourceFilter(ledger, run, null, home.resolve("inbox"), SourceFilter.Links.SKIP,
                    Integer.MAX_VALUE, activity::workHappened, fresh, givenUp));
            main.bind("childProcessExecutor", new ChildProcessExecutor());
            main.bind("compressor", new Compressor(compress, compressLedger, exif, home, metrics));
            main.bind("compressQueue", compressQueue);
            EncodePool compressPool = new EncodePool(compress.parallelism());
            main.bind("compressPool", compressPool);
            metrics.gauge("compress.running", compressPool::getActiveCount);
            main.bind("organizer", new Organizer(ledger, run, home,
                    settings.get("pipeline.organize.mode").equals("hardlink"), settings.bool("pipeline.organize.use-mtime")));
            PixelTarget.bind(main, settings, ledger, activity, run, handoff, once, metrics);

            AtomicInteger exitCode = new AtomicInteger(EXIT_OK);
            ExifTool exifToClose = exif;
            main.addMainListener(new MainListenerSupport() {
                @Override
                public void afterConfigure(BaseMainSupport m) {
                    // Stopped by Camel after the routes: the pool and the embedded server close last.
                    try {
                        m.getCamelContext().addService(new ServiceSupport() {
                            @Override
                            protected void doStop() {
                                writeUnreportedRun(once, run, report);
                                compressPool.shutdownNow();
                                exifToClose.close();
                                db.close();
                            }
                        }, true, true);
                    } catch (Exception e) {
                        throw new IllegalStateException("cannot register the ledger shutdown", e);
                    }
                }

                @Override
                public void beforeStop(BaseMainSupport m) {
                    // before Camel waits for in-flight exchanges: a running icloudpd gets SIGTERM (then SIGKILL)
                    icloudDownloader.stop();
                    if (loginPage != null) {
                        loginPage.stop();
                    }
                }

                @Override
                public void afterStart(BaseMainSupport m) {
                    if (loginPage != null) {
                        loginPage.start();
                    }
                    var camel = m.getCamelContext();
                    List<String> running = camel.getRoutes().stream().map(org.apache.camel.Route::getId)
                            .filter(id -> camel.getRouteController().getRouteStatus(id).isStarted()).sorted().toList();
                    LOG.info("Started ({}): {} route(s) running: {}", once ? "once" : "service", running.size(),
                            String.join(", ", running));
                    RunWatcher watcher = new RunWatcher(m.getCamelContext(), activity, handoff, run, report,
                            settings.integer("pipeline.once.idle-seconds"), once, summary -> {
                                if (summary == null) {
                                    System.out.println("Run failed: the run report could not be written (see the log)");
                                    exitCode.set(EXIT_FAILED);
                                } else {
                                    exitCode.set(exitCodeOf(summary));
                                    printSummary(summary);
                                }
                                main.completed();
                            });
                    Thread t = new Thread(watcher, "run-watcher");
                    t.setDaemon(true);
                    t.start();
                }
            });
            main.run();
            return exitCode.get();
        } catch (Exception | Error e) {
            if (exif != null) {
                exif.close();
            }
            db.close();
            throw e;
        }
    }

    /** Service stopping mid-batch: the inputs handled so far still get their report. */
    private static void writeUnreportedRun(boolean once, RunContext run, RunReport report) {
        if (once) {
            return;
        }
        try {
            if (report.hasInputs(run.runId())) {
                LOG.info("Stopping: run report {}", report.write(run.runId()).file());
            }
        } catch (Exception e) {
            LOG.warn("Could not write the run report while stopping: {}", e.getMessage());
        }
    }

    /** Not done wins over quarantined: an operator must look at what is unfinished first. */
    static int exitCodeOf(RunReport.Summary summary) {
        if (!summary.notDone().isEmpty()) {
            return EXIT_NOT_DONE;
        }
        return summary.counts().getOrDefault("quarantined", 0L) > 0 ? EXIT_QUARANTINED : EXIT_OK;
    }

    private static void printSummary(RunReport.Summary summary) {
        var c = summary.counts();
        System.out.printf("Run complete: %d imported, %d duplicate(s), %d quarantined. Report: %s%n",
                c.getOrDefault("imported", 0L), c.getOrDefault("duplicate", 0L), c.getOrDefault("quarantined", 0L),
                summary.file());
        var z = summary.compression();
        if (!z.isEmpty()) {
            System.out.printf("Compression of the imported files: %d compressed (%.1f MB saved), %d kept as original "
                            + "(gate refused), %d skipped, %d failed%n", z.getOrDefault("compressed", 0L),
                    z.getOrDefault("bytesSaved", 0L) / 1e6, z.getOrDefault("original", 0L), z.getOrDefault("skipped", 0L),
                    z.getOrDefault("failed", 0L));
        }
        List<Unfinished.Item> notDone = summary.notDone();
        if (!notDone.isEmpty()) {
            System.out.printf("Not all done (exit %d): %d item(s) left for a later run:%n", EXIT_NOT_DONE, notDone.size());
            notDone.stream().limit(SUMMARY_LINES).forEach(i -> System.out.printf("  %s: %s%n", i.what(), i.why()));
            if (notDone.size() > SUMMARY_LINES) {
                System.out.printf("  ... and %d more in the report (\"notDone\")%n", notDone.size() - SUMMARY_LINES);
            }
        }
    }
}
