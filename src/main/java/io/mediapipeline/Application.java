package io.mediapipeline;

import io.mediapipeline.archive.OrganizeStage;
import io.mediapipeline.cleanup.CleanupStage;
import io.mediapipeline.cli.Backfill;
import io.mediapipeline.cluster.ClusterConfig;
import io.mediapipeline.cluster.ClusterModule;
import io.mediapipeline.cluster.Peers;
import io.mediapipeline.cli.Doctor;
import io.mediapipeline.cli.IcloudRemovals;
import io.mediapipeline.compress.CompressStage;
import io.mediapipeline.dashboard.DashboardModule;
import io.mediapipeline.dashboard.files.FilePages;
import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.CoreConfig;
import io.mediapipeline.config.Secrets;
import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.FileStore;
import io.mediapipeline.flow.GuardConfig;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.flow.Stage;
import io.mediapipeline.flow.StorageGuard;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.icloud.IcloudConfig;
import io.mediapipeline.icloud.IcloudStage;
import io.mediapipeline.icloud.upload.UploadStage;
import io.mediapipeline.ingest.IngestStage;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.media.ExifTool;
import io.mediapipeline.notify.NotifyModule;
import io.mediapipeline.observe.ObserveModule;
import io.mediapipeline.media.MediaProbe;
import io.mediapipeline.demo.LoopbackPair;
import io.mediapipeline.demo.SampleLibrary;
import io.mediapipeline.ops.Activity;
import io.mediapipeline.ops.GuardPolicy;
import io.mediapipeline.ops.InstanceLock;
import io.mediapipeline.ops.JmxInstall;
import io.mediapipeline.ops.Metrics;
import io.mediapipeline.ops.Reconciler;
import io.mediapipeline.ops.RouteControl;
import io.mediapipeline.ops.RunWatcher;
import io.mediapipeline.pixel.PixelStage;
import io.mediapipeline.report.RunOutcome;
import io.mediapipeline.report.RunReport;
import io.mediapipeline.report.Unfinished;
import io.mediapipeline.scrub.ScrubStage;
import io.mediapipeline.status.StatusModule;
import io.mediapipeline.verify.VerifyStage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
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


    public static final int EXIT_OK = RunOutcome.OK;
    public static final int EXIT_FAILED = RunOutcome.FAILED;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_QUARANTINED = RunOutcome.QUARANTINED;
    public static final int EXIT_NOT_DONE = RunOutcome.NOT_DONE;

    /** The stages, in pipeline order: adding a stage is one line here. */
    static List<Stage> stages() {
        return List.of(new IcloudStage(), new IngestStage(), new OrganizeStage(), new CompressStage(), new PixelStage(),
                new UploadStage(), new VerifyStage(), new CleanupStage(), new ScrubStage());
    }

    /**
     * The operations modules (not stages: they move no file): the cluster service and file claims, the status every
     * view shares, health and metrics on the management port, the dashboard and its file pages, the notifications.
     */
    static List<Stage> operations() {
        return List.of(new ClusterModule(), new StatusModule(), new ObserveModule(), new DashboardModule(), new FilePages(),
                new NotifyModule());
    }

    private static final String USAGE = """
            usage: media-pipeline <command> [--config FILE]
              run            service mode (what systemd starts)
              once           process everything pending, then exit: 0 all done, 3 done with some files
                             quarantined, 4 finished but not all done (the summary says what and why;
                             wins over 3), 1 could not run
              backfill DIR   register an existing archive in the ledger without moving anything
              doctor         check tools, database, disk space and configuration; say what to fix
              icloud-removals [--limit N]
                             list which originals could leave iCloud now and why the others never may
                             (a dry run: nothing in iCloud is changed)
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

    /** Not a static field: logging is set up when first asked for, so a backfill's walk can start before it. */
    private static Logger log() {
        return LoggerFactory.getLogger(Application.class);
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
            log().debug("startup failure", e);
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
                return LoopbackPair.cli(Path.of(positional.get(1)).toAbsolutePath(),
                        Path.of(positional.get(2)).toAbsolutePath());
            }
            case "doctor" -> {
                Path file = config;
                return Doctor.run(() -> load(appHome, file, System.getenv(), System.getProperties()));
            }
            case "icloud-removals" -> {
                int limit = 1000;
                if (positional.size() == 3 && positional.get(1).equals("--limit") && positional.get(2).matches("[1-9][0-9]{0,6}")) {
                    limit = Integer.parseInt(positional.get(2));
                } else if (positional.size() != 1) {
                    System.err.println("usage: media-pipeline icloud-removals [--limit N]");
                    return EXIT_USAGE;
                }
                return IcloudRemovals.run(load(appHome, config, System.getenv(), System.getProperties()), limit);
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
                // the walk (only reading) starts before anything else, the settings and the logging included
                try (Backfill.Walk walk = Backfill.walk(Path.of(positional.get(1)))) {
                    Settings settings = load(appHome, config, System.getenv(), System.getProperties());
                    // backfill writes the ledger: not while the service (or another backfill) works on the same home
                    try (InstanceLock lock = InstanceLock.acquire(settings.home())) {
                        return Backfill.run(settings, walk);
                    }
                }
            }
            case "run", "once" -> {
                return serve(loadChecked(appHome, config, System.getenv(), System.getProperties()), command.equals("once"));
            }
            default -> {
                System.err.println("unknown command '" + command + "'\n" + USAGE);
                return EXIT_USAGE;
            }
        }
    }

    /**
     * The settings, layered and checked: the application's own keys, then each stage's, so a bad value ends the
     * start with one line naming the key before anything is opened.
     */
    public static Settings load(Path appHome, Path config, Map<String, String> env, Properties system) {
        return loadChecked(appHome, config, env, system).settings();
    }

    /** The checked settings with the stage instances that read them: those are the ones Camel configures. */
    private record Checked(Settings settings, List<Stage> stages) {
    }

    private static Checked loadChecked(Path appHome, Path config, Map<String, String> env, Properties system) {
        List<Stage> stages = new ArrayList<>(stages());
        stages.addAll(operations());
        Settings settings = Settings.load(appHome, config, env, system,
                stages.stream().flatMap(stage -> stage.keyFamilies().stream()).toList());
        CoreConfig.from(settings);
        for (Stage stage : stages) {
            stage.check(settings);
        }
        return new Checked(settings, stages);
    }

    private static int serve(Checked checked, boolean once) throws Exception {
        Settings settings = checked.settings();
        CoreConfig core = CoreConfig.from(settings);
        Path home = core.home();
        // Nothing (not even an embedded database) opens under pipeline.home while the NAS is away or space is short.
        GuardConfig guardConfig = GuardConfig.from(settings);
        StorageGuard guard = new StorageGuard(guardConfig);
        Optional<String> closed = guard.look().reason();
        if (once && closed.isPresent()) {
            System.err.println("media-pipeline: not started: " + closed.get());
            return EXIT_FAILED;
        }
        GuardPolicy.awaitOpen(guard, guardConfig.checkSeconds() * 1000L);
        FileStore.install(guard);
        // Before the database: a second copy on the same data directory stops here, having changed nothing. Several
        // nodes share the directory on purpose (pipeline.cluster.enabled): then the lock is per node name.
        ClusterConfig cluster = ClusterConfig.from(settings);
        try (InstanceLock lock = cluster.enabled() ? InstanceLock.acquire(home, cluster.node()) : InstanceLock.acquire(home)) {
            return serveLocked(settings, core, guardConfig, guard, checked.stages(), once);
        }
    }

    private static int serveLocked(Settings settings, CoreConfig core, GuardConfig guardConfig, StorageGuard guard,
                                   List<Stage> stages, boolean once) throws Exception {
        Path home = core.home();
        Database db = Database.open(settings);
        ExifTool exif = null;
        try {
            Ledger ledger = new Ledger(db.dataSource());
            exif = new ExifTool(core.exiftool());
            MediaProbe probe = new MediaProbe(exif, core.ffprobe(), core.ffmpeg(), core.zone());
            Handoff handoff = new Handoff(home.resolve("work"), List.of());
            ClusterConfig cluster = ClusterConfig.from(settings);
            boolean othersAtWork = cluster.enabled() && Peers.working(db.dataSource(), cluster.node());
            if (othersAtWork) {
                log().info("Other nodes are at work on this data directory: temp files are theirs, not swept at this start");
            } else {
                new Reconciler(home).reconcile();
            }

            RunContext run = new RunContext(ledger, once ? "once" : "run", core.node());
            Activity activity = new Activity();
            Metrics metrics = new Metrics().register();

            Main main = new Main();
            java.util.Properties camelProps = settings.forCamel();
            if (once) {
                // `once` must notice "nothing left" quickly; the service polls at the configured pace.
                camelProps.setProperty("pipeline.source.folder.poll-seconds", "1");
                camelProps.setProperty("pipeline.source.inbox.poll-seconds", "1");
                camelProps.setProperty("pipeline.verify.poll-seconds", "2");
            }
            // the one check left for serving: a source that is on has its password (doctor runs without secrets)
            List<String> icloudAccounts = IcloudConfig.from(settings).downloading();
            RunReport report = new RunReport(ledger, home, once ? new Unfinished(ledger, handoff, icloudAccounts) : null);
            camelProps.setProperty("mediapipeline.once", String.valueOf(once));
            camelProps.setProperty("mediapipeline.others-at-work", String.valueOf(othersAtWork));
            camelProps.putAll(ObserveModule.camelProperties(settings));
            main.setOverrideProperties(camelProps);
            // shared beans, found by type by the stages' @BindToRegistry methods
            main.bind("settings", settings);
            main.bind("dataSource", db.dataSource());
            main.bind("handoff", handoff);
            main.bind("run", run);
            main.bind("exifTool", exif);
            main.bind("mediaProbe", probe);
            main.bind("ledger", ledger);
            main.bind("activity", activity);
            main.bind("failedFileExchanges", activity.failedFileExchanges());
            main.bind("metrics", metrics);
            main.bind(Metrics.CAMEL_REGISTRY, metrics.registry());
            main.bind("guard", guard);
            for (Stage stage : stages) {
                main.configure().addConfiguration(stage);
            }

            AtomicInteger exitCode = new AtomicInteger(EXIT_OK);
            ExifTool exifToClose = exif;
            main.addMainListener(new MainListenerSupport() {
                @Override
                public void beforeConfigure(BaseMainSupport m) {
                    // Added before the stages' own services, so stopped after them (Camel stops services in
                    // reverse order): the encode pool ends before exiftool and the embedded server close.
                    try {
                        m.getCamelContext().addService(new ServiceSupport() {
                            @Override
                            protected void doStop() {
                                if (!once) {
                                    RunOutcome.writeUnreported(report, run.runId());
                                }
                                exifToClose.close();
                                db.close();
                            }
                        }, true, true);
                    } catch (Exception e) {
                        throw new IllegalStateException("cannot register the ledger shutdown", e);
                    }
                }

                @Override
                public void afterStart(BaseMainSupport m) {
                    var camel = m.getCamelContext();
                    List<String> running = camel.getRoutes().stream().map(org.apache.camel.Route::getId)
                            .filter(id -> camel.getRouteController().getRouteStatus(id).isStarted()).sorted().toList();
                    log().info("Started ({}): {} route(s) running: {}", once ? "once" : "service", running.size(),
                            String.join(", ", running));
                    try {
                        camel.addService(new GuardPolicy(camel, guard, guardConfig.checkSeconds(), metrics, ledger, run),
                                true, true);
                    } catch (Exception e) {
                        throw new IllegalStateException("cannot start the guard", e);
                    }
                    RunWatcher watcher = new RunWatcher(m.getCamelContext(), activity, handoff, run, report,
                            core.onceIdleSeconds(), once, summary -> {
                                exitCode.set(RunOutcome.finish(summary));
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

    static int exitCodeOf(RunReport.Summary summary) {
        return RunOutcome.exitCode(summary);
    }
}
