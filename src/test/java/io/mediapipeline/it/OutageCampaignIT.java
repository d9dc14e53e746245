package io.mediapipeline.it;

import static io.mediapipeline.support.OutageRig.await;
import static io.mediapipeline.support.OutageRig.since;
import static io.mediapipeline.support.OutageRig.size;
import static io.mediapipeline.support.PipelineHome.files;
import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.demo.LoopbackPair;
import io.mediapipeline.support.AppProcess;
import io.mediapipeline.support.OutageRig.DoctorRun;
import io.mediapipeline.support.OutageRig.Http;
import io.mediapipeline.support.OutageRig.Row;
import io.mediapipeline.support.OutageRig.Step;
import io.mediapipeline.support.OutageRig.SmallDisk;
import io.mediapipeline.support.OutageRig.ToolShelf;
import io.mediapipeline.support.OutageRig.Trickle;
import io.mediapipeline.support.OutageRig;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.TestPostgres;
import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outage campaign over the running service (the packaged jar in service mode) while photos keep arriving in the
 * folder source, one fault at a time: the NAS marker gone, a tool (ffmpeg) taken off the PATH, the data directory
 * full to its last byte (a tmpfs), the phone's Syncthing (the receiver of a real loopback pair) stopped, the phone
 * paused, and the ledger's PostgreSQL stopped for a minute
 * ({@code -Doutage.database-seconds}, default 60). For each: the stage pauses with a message naming the fault,
 * health ({@code /observe/health/ready}) and {@code doctor} say why while it lasts, and once it clears, the photos
 * that arrived meanwhile are archived by themselves. At the end every photo handed to the source is archived exactly
 * once, with its bytes and its ledger row, and nothing is in quarantine.
 */
class OutageCampaignIT {

    private static final String TOKEN = "outage-campaign-token-0123456789abcdef";
    private static final long DATABASE_SECONDS = Long.getLong("outage.database-seconds", 60);
    /** How long each quick fault is held after its pause is seen: polls and guard looks come every second. */
    private static final Duration HOLD = Duration.ofSeconds(3);
    private static final Duration LIMIT = Duration.ofSeconds(90);

    @TempDir
    Path tmp;

    private TestPostgres pg;
    private Path log;
    private int port;
    private Map<String, String> env;
    private Path config;
    private Path pipelineHome;
    private Trickle trickle;
    private LoopbackPair pair;
    private final List<Row> rows = new ArrayList<>();

    @Test
    void eachFaultPausesItsStageShowsWhyLosesNothingAndClearsByItself() throws Exception {
        long started = System.nanoTime();
        pg = TestPostgres.start(tmp.resolve("pg"));
        PipelineHome pipeline = new PipelineHome(tmp.resolve("p"));
        try (SmallDisk disk = SmallDisk.mount(pipeline.home(), 16)) {
            ToolShelf shelf = new ToolShelf(tmp.resolve("bin"));
            pair = LoopbackPair.start(tmp.resolve("syncthing"), pipeline.home().resolve("bridge/pixel"));
            pair.pipelineSettings().forEach(pipeline::set);
            pipeline.set("pipeline.target.pixel.confirm-poll-ms", "200")
                    .set("pipeline.target.pixel.confirm-max-backoff-seconds", "1");
            Path marker = Files.createDirectories(tmp.resolve("nas")).resolve(".media-pipeline-mounted");
            Files.createFile(marker);
            pipeline.set("pipeline.db.url", pg.createDatabase("outage")).set("pipeline.db.user", TestPostgres.OWNER)
                    .set("pipeline.db.connect-timeout-seconds", "2").set("pipeline.db.socket-timeout-seconds", "5")
                    .set("pipeline.guard.marker", marker.toString()).set("pipeline.guard.check-seconds", "1")
                    .set("pipeline.guard.min-free-mb", "2").set("pipeline.doctor.min-free-gb", "0")
                    .set("pipeline.source.folder.poll-seconds", "1").set("pipeline.status.refresh-seconds", "1");
            port = pipeline.management(TOKEN);
            config = pipeline.config();
            pipelineHome = pipeline.home();
            env = Map.of("PIPELINE_DB_PASSWORD", TestPostgres.OWNER_PASSWORD, "PATH", shelf.path());
            Path pool = Files.createDirectories(tmp.resolve("pool"));
            Tools.photos(pool, "outage_", 160, "2021:03:04 05:06:07");

            log = tmp.resolve("service.log");
            Process app = AppProcess.start(config, log, env);
            try {
                await("the service is ready", LIMIT, log, () -> Http.get(port, TOKEN, "/observe/health/ready").status() == 200);
                DoctorRun healthy = doctor("healthy");
                assertThat(healthy.rc()).as("doctor before any fault:\n" + healthy.out()).isEqualTo(0);
                trickle = new Trickle(pool, pipeline.library(), Duration.ofMillis(1000)).start();
                await("the first photos archived", LIMIT, log, () -> archived().size() >= 2);

                fault("NAS marker gone", "nas-marker", "is missing", "Paused: the NAS marker " + marker + " is missing",
                        () -> Files.delete(marker), () -> Files.createFile(marker), HOLD, null, "Resumed");
                // photos need no ffprobe; a video does, so one arrives while ffprobe is gone and must wait for it
                Path clip = Files.createDirectories(tmp.resolve("clips")).resolve("outage_clip.mp4");
                Tools.run(clip.getParent(), "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=10",
                        "-t", "1", "-pix_fmt", "yuv420p", clip.getFileName().toString());
                String[] clipSha = new String[1];
                fault("ffprobe missing from PATH", "tools", "ffprobe", "Ingest paused for ", () -> {
                    shelf.remove("ffprobe");
                    clipSha[0] = trickle.handOver(clip).sha256();
                }, () -> shelf.restore("ffprobe"), HOLD, () -> !archived().containsKey(clipSha[0]), null);
                fault("data directory full (tmpfs)", "free-space", "MiB free", "Paused: only",
                        disk::fill, disk::free, HOLD, null, "Resumed");
                phoneFault("Syncthing stopped on the phone", () -> pair.stop(pair.phone()),
                        () -> pair.restart(pair.phone()));
                phoneFault("phone paused", pair::pausePhone, pair::resumePhone);
                fault("ledger database stopped", "database", "database", "Paused: the ledger database cannot be reached",
                        pg::stop, pg::restart, Duration.ofSeconds(DATABASE_SECONDS), () -> true,
                        "Resumed: the ledger database answers again");

                trickle.close();
                int handed = trickle.count();
                await("every photo handed to the source archived", LIMIT, log, () -> archived().size() >= handed);
            } finally {
                if (trickle != null) {
                    trickle.close();
                }
                if (pair != null) {
                    pair.close();
                }
                app.destroy();
                assertThat(app.waitFor(60, TimeUnit.SECONDS)).as("the service stops on SIGTERM").isTrue();
                OutageRig.keep(log, "OutageCampaignIT");
            }
            nothingLost(pipeline);
        } finally {
            pg.close();
        }
        OutageRig.printTable("Outage campaign (service mode, folder source, external ledger)", rows,
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
    }

    /**
     * One fault: injected, then its pause seen in the log (the line naming it), in health (the check DOWN with its
     * reason) and in doctor (exit 1, naming it); held; cleared; then every photo handed over until the clear must
     * arrive. With no {@code waiting} check the guard holds the whole pipeline, so nothing may be archived while it
     * holds; otherwise {@code waiting} must still hold at the end of the fault (the affected work waits). A
     * {@code resumedLine} is what the service must say once the fault cleared.
     */
    private void fault(String name, String check, String reason, String logLine, Step inject, Step clear,
                       Duration hold, java.util.function.BooleanSupplier waiting, String resumedLine) throws Exception {
        long offset = size(log);
        long injected = System.nanoTime();
        inject.run();
        await(name + ": the service says so in its log (" + logLine + ")", LIMIT, log,
                () -> since(log, offset).contains(logLine));
        await(name + ": health names the cause", LIMIT, log, () -> {
            Http h = Http.get(port, TOKEN, "/observe/health/ready");
            return h.status() == 503 && h.body().contains("\"name\":\"" + check + "\"") && h.body().contains(reason);
        });
        DoctorRun doctor = doctor(check);
        assertThat(doctor.rc()).as(name + ": doctor fails while it lasts:\n" + doctor.out()).isEqualTo(1);
        assertThat(doctor.out()).as(name + ": doctor says why").contains(reason);
        boolean paused;
        if (waiting == null) {
            Thread.sleep(1500); // work the guard found in flight finishes or is refused
            int before = archived().size();
            Thread.sleep(hold.toMillis());
            paused = archived().size() == before;
            assertThat(paused).as(name + ": nothing archived while the guard holds").isTrue();
        } else {
            long left = hold.toNanos() - (System.nanoTime() - injected);
            Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(left)));
            paused = waiting.getAsBoolean() && files(pipelineHome.resolve("quarantine")).isEmpty();
            assertThat(paused).as(name + ": the affected work waits, nothing quarantined").isTrue();
        }
        long held = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - injected);
        int handed = trickle.count();
        long cleared = System.nanoTime();
        clear.run();
        await(name + ": the " + handed + " photos handed over until it cleared are archived", LIMIT, log,
                () -> archived().size() >= handed);
        long resumed = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - cleared);
        if (resumedLine != null) {
            await(name + ": the service says it resumed (" + resumedLine + ")", LIMIT, log,
                    () -> since(log, offset).contains(resumedLine));
        }
        await(name + ": ready again", LIMIT, log, () -> Http.get(port, TOKEN, "/observe/health/ready").status() == 200);
        rows.add(new Row(name, held, paused, check + " DOWN / doctor FAIL", resumed));
        System.out.println(name + ": the service said " + OutageRig.warnings(since(log, offset)));
    }

    /**
     * A phone fault: the phone away is ordinary (it sleeps, it leaves the Wi-Fi), so it is no readiness cause and no
     * doctor failure; the pipeline goes on archiving and staging, what it staged meanwhile waits unconfirmed (doctor
     * warns that the phone is not connected and staged files wait), and it is all confirmed once the phone is back.
     */
    private void phoneFault(String name, Step inject, Step clear) throws Exception {
        long injected = System.nanoTime();
        int before = archived().size();
        inject.run();
        await(name + ": photos archived meanwhile are staged and wait", LIMIT, log,
                () -> archived().size() >= before + 3 && count("select count(*) from deliveries where state = 'staged'") > 0);
        DoctorRun doctor = doctor("phone");
        assertThat(doctor.out()).as(name + ": doctor says why:\n" + doctor.out())
                .contains("not connected now; staged files wait");
        int ready = Http.get(port, TOKEN, "/observe/health/ready").status();
        Thread.sleep(HOLD.toMillis());
        boolean waiting = count("select count(*) from deliveries where state = 'staged'") > 0;
        assertThat(waiting).as(name + ": nothing confirmed while the phone is away").isTrue();
        long held = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - injected);
        long cleared = System.nanoTime();
        clear.run();
        await(name + ": everything staged is confirmed by the phone", LIMIT, log,
                () -> count("select count(*) from deliveries where state <> 'confirmed'") == 0);
        rows.add(new Row(name, held, waiting, "doctor WARN; ready " + ready + " (by design)",
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - cleared)));
    }

    private long count(String sql) {
        return OutageRig.count(pg, "outage", sql);
    }

    private DoctorRun doctor(String what) throws Exception {
        return DoctorRun.of(config, tmp.resolve("doctor-" + what + ".log"), env);
    }

    /** SHA-256 to archive path of every archived file; empty while the ledger cannot be read. */
    private Map<String, String> archived() {
        Map<String, String> out = new HashMap<>();
        try (Connection c = pg.ownerConnection("outage"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select sha256, archive_path from media_files where status = 'archived'")) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2));
            }
        } catch (SQLException e) {
            return Map.of();
        }
        return out;
    }

    private List<String> column(String sql) throws SQLException {
        return OutageRig.column(pg, "outage", sql);
    }

    /** Every photo handed over: one archived row, its bytes at its archive path; nothing quarantined or half-written. */
    private void nothingLost(PipelineHome pipeline) throws Exception {
        Map<String, String> archived = archived();
        List<Trickle.Added> added = trickle.added();
        assertThat(added).hasSizeGreaterThan(20);
        for (Trickle.Added a : added) {
            assertThat(archived).as(a.file() + " archived").containsKey(a.sha256());
            Path at = pipeline.home().resolve(archived.get(a.sha256()));
            assertThat(PipelineHome.sha(at)).as(a.file() + " bytes at " + at).isEqualTo(a.sha256());
            assertThat(PipelineHome.sha(a.file())).as(a.file() + " untouched in the source").isEqualTo(a.sha256());
        }
        assertThat(column("select count(*) from media_files")).containsExactly(String.valueOf(added.size()));
        assertThat(column("select disposition || ' ' || count(*) from source_files group by disposition"))
                .containsExactly("imported " + added.size());
        assertThat(files(pipeline.sorted())).as("one archived copy each").hasSize(added.size());
        assertThat(files(pipeline.home().resolve("quarantine"))).isEmpty();
        assertThat(column("select coalesce(sum(failures), 0) from source_files"))
                .as("no fault is counted as a failure of a file").containsExactly("0");
        System.out.println("outage campaign: " + added.size() + " files handed over (photos and a video), each archived "
                + "once with its bytes and row, none counted as failing");
    }
}
