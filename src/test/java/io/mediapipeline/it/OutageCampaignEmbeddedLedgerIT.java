package io.mediapipeline.it;

import static io.mediapipeline.support.OutageRig.await;
import static io.mediapipeline.support.OutageRig.since;
import static io.mediapipeline.support.OutageRig.size;
import static io.mediapipeline.support.PipelineHome.files;
import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.support.AppProcess;
import io.mediapipeline.support.LiveLedger;
import io.mediapipeline.support.OutageRig;
import io.mediapipeline.support.OutageRig.Http;
import io.mediapipeline.support.OutageRig.Row;
import io.mediapipeline.support.OutageRig.Trickle;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.ProcessWatch;
import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outage campaign's embedded-ledger fault, in a fork of its own beside {@link OutageCampaignIT}: the embedded
 * PostgreSQL's postmaster killed (SIGKILL, as the OOM killer does) under the running service while photos keep
 * arriving. A user runs no database of their own here, so nobody else would bring it back: the service starts it
 * again by itself and says so, and every photo arrives once. Health is asked all along and the table says whether
 * it showed the ledger DOWN: a server back within the database check's 3 s wait is rightly never "not ready".
 * ({@code doctor} is not asked: it would start a second server on the data the service's server holds.)
 */
class OutageCampaignEmbeddedLedgerIT {

    private static final String TOKEN = "outage-embedded-token-0123456789abcdef";
    private static final Duration LIMIT = Duration.ofSeconds(90);

    @TempDir
    Path tmp;

    @Test
    void aKilledEmbeddedLedgerIsStartedAgainByTheServiceAndNothingIsLost() throws Exception {
        long started = System.nanoTime();
        PipelineHome pipeline = new PipelineHome(tmp.resolve("p")).set("pipeline.source.folder.poll-seconds", "1")
                .set("pipeline.status.refresh-seconds", "1").set("pipeline.db.connect-timeout-seconds", "2")
                .set("pipeline.db.socket-timeout-seconds", "5");
        int port = pipeline.management(TOKEN);
        Path pool = Files.createDirectories(tmp.resolve("pool"));
        Tools.photos(pool, "embedded_", 40, "2022:04:05 06:07:08");
        Path log = tmp.resolve("service.log");
        Process app = AppProcess.start(pipeline.config(), log, Map.of());
        Row row;
        List<Trickle.Added> added;
        try (LiveLedger ledger = new LiveLedger(pipeline.home());
             Trickle trickle = new Trickle(pool, pipeline.library(), Duration.ofMillis(500))) {
            await("the service is ready", LIMIT, log, () -> Http.get(port, TOKEN, "/observe/health/ready").status() == 200);
            trickle.start();
            await("the first photos archived", LIMIT, log, () -> archived(ledger).size() >= 2);

            // health is asked all along: the server is back within seconds, so a look now and then could miss it
            AtomicBoolean shownDown = new AtomicBoolean();
            try (ProcessWatch health = ProcessWatch.start("outage-health", Duration.ofMillis(200), () -> {
                Http h = Http.get(port, TOKEN, "/observe/health/ready");
                if (h.status() == 503 && h.body().contains("\"name\":\"database\"") && h.body().contains("ledger database")) {
                    shownDown.set(true);
                }
            })) {
                long offset = size(log);
                long postmaster = Long.parseLong(Files.readAllLines(
                        pipeline.home().resolve("state/postgres/data/postmaster.pid")).get(0).trim());
                long injected = System.nanoTime();
                ProcessHandle.of(postmaster).orElseThrow().destroyForcibly();
                await("the service says its ledger stopped and starts it again", LIMIT, log,
                        () -> since(log, offset).contains("The embedded PostgreSQL (pid " + postmaster + ") stopped by itself"));
                await("the ledger is back", LIMIT, log, () -> since(log, offset).matches("(?s).*stopped by itself.*"
                        + "PostgreSQL \\S+ ready on .*"));
                long back = System.nanoTime();
                int handed = trickle.count();
                await("the photos handed over until it was back are archived", LIMIT, log,
                        () -> archived(ledger).size() >= handed);
                await("ready again", LIMIT, log, () -> Http.get(port, TOKEN, "/observe/health/ready").status() == 200);
                row = new Row("embedded ledger killed (SIGKILL)", TimeUnit.NANOSECONDS.toSeconds(back - injected), true,
                        shownDown.get() ? "database DOWN / doctor n/a" : "back within health's 3 s / n/a",
                        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - back));
            }
            int atBack = trickle.count();
            await("more photos arrive after the ledger is back", LIMIT, log, () -> trickle.count() >= atBack + 6);
            trickle.close();
            int handed = trickle.count();
            await("every photo handed over archived", LIMIT, log, () -> archived(ledger).size() >= handed);
            added = trickle.added();
            Set<String> archived = archived(ledger);
            assertThat(added).hasSizeGreaterThan(8);
            for (Trickle.Added a : added) {
                assertThat(archived).as(a.file() + " archived").contains(a.sha256());
            }
            assertThat(ledger.rows("select count(*) as n from media_files").get(0).get("n")).isEqualTo((long) added.size());
            assertThat(ledger.rows("select count(*) as n from source_files where disposition <> 'imported'").get(0).get("n"))
                    .isEqualTo(0L);
        } finally {
            app.destroy();
            assertThat(app.waitFor(60, TimeUnit.SECONDS)).as("the service stops on SIGTERM").isTrue();
            OutageRig.keep(log, "OutageCampaignEmbeddedLedgerIT");
        }
        assertThat(files(pipeline.sorted())).as("one archived copy each").hasSize(added.size());
        assertThat(files(pipeline.home().resolve("quarantine"))).isEmpty();
        OutageRig.printTable("Outage campaign (service mode, folder source, embedded ledger)", List.of(row),
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
    }

    private static Set<String> archived(LiveLedger ledger) {
        return ledger.rowsIfUp("select sha256 from media_files where status = 'archived'").orElse(List.of()).stream()
                .map(r -> (String) r.get("sha256")).collect(Collectors.toSet());
    }
}
