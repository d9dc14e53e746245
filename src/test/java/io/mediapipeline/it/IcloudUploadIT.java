package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mediapipeline.fixture.FixtureLibrary;
import io.mediapipeline.fixture.IcloudFixture;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.AppProcess;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.ProcessWatch;
import io.mediapipeline.support.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged app uploading to the fixture's iCloud on loopback, compression on, with a session icloudpd left in
 * the account's cookie folder: kill -9 right after putAsset created the asset and before its answer reached the
 * app; the restart registers again, gets "duplicate" with the same record names, and every file ends confirmed,
 * each content once in the library, byte-exact. Then nothing the runs left (logs, reports, every ledger table,
 * the files under the pipeline home outside the private session folders, the command lines seen) holds a token,
 * cookie value, upload-URL token or the Apple ID password.
 */
class IcloudUploadIT {

    private static final String USER = "erik.lund@example.com";
    private static final String PASSWORD = "Pw-9f4TqLz-never-shown";
    private static final int FILES = 3;

    @TempDir
    Path tmp;

    @Test
    void killedBetweenPutAssetAndTheLedgerResumesAsADuplicateAndLeaksNoSecret() throws Exception {
        PipelineHome pipeline = new PipelineHome(tmp)
                .set("pipeline.source.folder.enabled", "false")
                .set("pipeline.source.inbox.poll-seconds", "1")
                .set("pipeline.source.icloud.username", USER)
                .set("pipeline.compress.enabled", "true")
                .set("pipeline.timezone", "UTC")
                .set("pipeline.target.icloud.enabled", "true")
                .set("pipeline.target.icloud.poll-seconds", "1")
                .set("pipeline.target.icloud.proof.poll-initial-ms", "100")
                .set("pipeline.target.icloud.proof.poll-max-ms", "500")
                .set("pipeline.target.icloud.proof.timeout-seconds", "30")
                .set("pipeline.target.icloud.proof.download-share-percent", "100")
                .set("pipeline.target.icloud.once-wait-seconds", "60");
        Path home = pipeline.home();
        Path cookies = home.resolve("state/icloud-cookies/default");
        Map<String, String> env = Map.of("PIPELINE_SOURCE_ICLOUD_PASSWORD", PASSWORD);
        Path inbox = Files.createDirectories(home.resolve("inbox/icloud/default/2024/05/17"));
        Path made = Files.createDirectories(tmp.resolve("made"));
        for (int i = 1; i <= FILES; i++) {
            String name = "IMG_000" + i + ".JPG";
            // each its own picture: copies that differ only in their dates could compress to the same bytes
            Tools.run(made, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=" + (640 + 16 * i) + "x480",
                    "-frames:v", "1", "-q:v", "2", name);
            Tools.run(made, "exiftool", "-q", "-overwrite_original", "-DateTimeOriginal=2024:05:17 09:3" + i + ":00", name);
            // made elsewhere and moved in whole, as icloudpd hands a finished file over
            Files.move(made.resolve("IMG_000" + i + ".JPG"), inbox.resolve("IMG_000" + i + ".JPG"));
        }

        try (IcloudFixture fixture = new IcloudFixture()) {
            fixture.writeSession(cookies, USER);
            pipeline.set("pipeline.target.icloud.setup-url", fixture.setupUrl().toString());
            Path config = pipeline.config();
            Set<String> commandLines = ConcurrentHashMap.newKeySet();
            AtomicReference<Process> running = new AtomicReference<>();
            AtomicReference<List<ProcessHandle>> killedTree = new AtomicReference<>();
            FixtureLibrary.Asset[] lostAnswer = new FixtureLibrary.Asset[1];

            // the first asset putAsset creates: the app dies before the answer leaves the fixture
            fixture.faults().onPutAsset(asset -> {
                synchronized (lostAnswer) {
                    if (lostAnswer[0] != null) {
                        return;
                    }
                    lostAnswer[0] = asset;
                }
                Process app = running.get();
                killedTree.set(app.descendants().toList());
                app.destroyForcibly();
                try {
                    app.waitFor(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });

            try (ProcessWatch watch = ProcessWatch.start("cmdline-watch", Duration.ofMillis(20), () -> {
                Process app = running.get();
                if (app != null && app.isAlive()) {
                    commandLines.add(ProcessWatch.rawCmdline(app.pid()));
                    app.descendants().forEach(h -> commandLines.add(ProcessWatch.rawCmdline(h.pid())));
                }
            })) {
                Process first = AppProcess.start("once", config, tmp.resolve("first.log"), env);
                running.set(first);
                assertThat(first.waitFor(180, TimeUnit.SECONDS)).as("first run ended").isTrue();
                assertThat(lostAnswer[0]).as("killed at putAsset; log:\n" + Files.readString(tmp.resolve("first.log")))
                        .isNotNull();
                assertThat(first.exitValue()).isEqualTo(137);
                for (ProcessHandle h : killedTree.get()) {
                    h.onExit().get(30, TimeUnit.SECONDS); // the embedded PostgreSQL follows the app
                }
                try (Database db = pipeline.openLedger()) {
                    assertThat(query(db, "select state from deliveries where target = 'icloud' and state <> 'staged'"))
                            .as("the ledger never heard of the asset").extracting(r -> r.get("state"))
                            .containsExactly("sent");
                }
                fixture.faults().onPutAsset(null);

                Process second = AppProcess.start("once", config, tmp.resolve("second.log"), env);
                running.set(second);
                assertThat(second.waitFor(180, TimeUnit.SECONDS)).as("second run ended").isTrue();
                assertThat(second.exitValue()).as(Files.readString(tmp.resolve("second.log"))).isEqualTo(0);

                // the removal dry run: iCloud holds only the uploaded copies, and those never count as an original
                Process removals = AppProcess.start("icloud-removals", config, tmp.resolve("removals.log"), env);
                running.set(removals);
                assertThat(removals.waitFor(120, TimeUnit.SECONDS)).as("removal listing ended").isTrue();
                String listing = Files.readString(tmp.resolve("removals.log"));
                assertThat(removals.exitValue()).as(listing).isEqualTo(0);
                assertThat(listing).contains("0 of " + FILES + " file(s) would go from iCloud (dry run: nothing was changed)")
                        .doesNotContain("would go  ");
                assertThat(watch.scans()).isPositive();
            }

            // (a) every file confirmed, each content once in iCloud, byte-exact; the lost answer came back a duplicate
            FixtureLibrary library = fixture.library(USER);
            String why;
            try (Database db = pipeline.openLedger()) {
                List<Map<String, Object>> all = query(db, """
                        select m.original_name, m.sha256, m.compress_decision, m.compressed_path, d.state,
                               d.uploaded_path, d.uploaded_sha256, d.last_error
                          from media_files m left join deliveries d on d.media_file_id = m.id and d.target = 'icloud'""");
                why = "\nledger: " + all + "\nbatches: " + query(db, "select kind, outcome, message from icloud_attempts")
                        + "\nlibrary: " + library.assets() + "\nsecond run:\n"
                        + Files.readString(tmp.resolve("second.log"));
                assertThat(all.stream().map(r -> r.get("uploaded_sha256")).distinct())
                        .as("three different contents went up" + why).hasSize(FILES);
            }
            assertThat(fixture.assetsCreated()).as("one asset per file, none twice" + why).isEqualTo(FILES);
            assertThat(library.assets()).hasSize(FILES);
            try (Database db = pipeline.openLedger()) {
                List<Map<String, Object>> rows = query(db, """
                        select d.state, d.uploaded_path, d.uploaded_sha256, d.asset_record, d.master_record,
                               d.evidence::text as evidence, m.original_name
                          from deliveries d join media_files m on m.id = d.media_file_id
                         where d.target = 'icloud' order by m.original_name""");
                assertThat(rows).extracting(r -> r.get("original_name"))
                        .containsExactly("IMG_0001.JPG", "IMG_0002.JPG", "IMG_0003.JPG");
                Set<String> assets = new HashSet<>();
                for (Map<String, Object> r : rows) {
                    assertThat(r.get("state")).as(r + why).isEqualTo("confirmed");
                    FixtureLibrary.Asset asset = library.asset((String) r.get("asset_record")).orElseThrow();
                    assertThat(asset.masterRef()).isEqualTo(r.get("master_record"));
                    byte[] held = library.master(asset.masterRef()).orElseThrow().bytes();
                    Path local = Path.of((String) r.get("uploaded_path"));
                    assertThat(held).as("iCloud holds " + local + " byte for byte").isEqualTo(Files.readAllBytes(local));
                    assertThat(PipelineHome.sha(local)).isEqualTo(r.get("uploaded_sha256"));
                    var evidence = new ObjectMapper().readTree((String) r.get("evidence"));
                    assertThat(evidence.path("downloadedSha256").asText()).isEqualTo(r.get("uploaded_sha256"));
                    boolean isLost = asset.recordName().equals(lostAnswer[0].recordName());
                    assertThat(evidence.path("duplicate").asBoolean()).as("registered again as a duplicate: " + r)
                            .isEqualTo(isLost);
                    assets.add(asset.recordName());
                }
                assertThat(assets).hasSize(FILES).contains(lostAnswer[0].recordName());

                // (b) no secret anywhere the runs left
                // the receipts too: a receipt is kept only until its file is registered, and every file here is
                Set<String> secrets = new HashSet<>(fixture.secrets());
                secrets.add(PASSWORD);
                String sessionToken = new ObjectMapper().readTree(cookies.resolve(io.mediapipeline.icloud.web.SessionCopy.fileName(USER) + ".session").toFile())
                        .path("session_token").asText();
                assertThat(secrets).as("the search knows the session token").contains(sessionToken);
                assertThat(secrets.stream().filter(s -> s.startsWith("tk-"))).as("upload URL tokens were handed out")
                        .hasSizeGreaterThanOrEqualTo(FILES);
                Path own = home.resolve("state/icloud-upload");
                assertThat(holders(own, sessionToken)).as("the uploader's own session copy holds it (the search works)")
                        .isNotEmpty();

                List<String> leaks = new ArrayList<>();
                for (String log : List.of("first.log", "second.log", "removals.log")) {
                    search(leaks, log, Files.readString(tmp.resolve(log)), secrets);
                }
                for (String cmdline : commandLines) {
                    search(leaks, "command line " + cmdline.replace('\0', ' '), cmdline, secrets);
                }
                try (Stream<Path> all = Files.walk(home)) {
                    for (Path f : all.filter(Files::isRegularFile).toList()) {
                        if (f.startsWith(own) || f.startsWith(cookies) || f.startsWith(home.resolve("state/postgres"))) {
                            continue; // the two private session folders; the database is read through SQL below
                        }
                        search(leaks, f.toString(), new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1), secrets);
                    }
                }
                assertThat(Files.list(home.resolve("reports")).toList()).as("run reports were searched").isNotEmpty();
                List<Map<String, Object>> tables = query(db,
                        "select tablename from pg_tables where schemaname = 'public' order by tablename");
                assertThat(tables).isNotEmpty();
                for (Map<String, Object> t : tables) {
                    String table = (String) t.get("tablename");
                    for (Map<String, Object> row : query(db, "select t::text as row from \"" + table + "\" t")) {
                        search(leaks, "ledger table " + table, (String) row.get("row"), secrets);
                    }
                }
                assertThat(leaks).as("secrets found").isEmpty();
            }
        }
    }

    private static void search(List<String> leaks, String where, String text, Set<String> secrets) {
        for (String s : secrets) {
            if (text.contains(s)) {
                leaks.add(where + " holds " + s.substring(0, Math.min(4, s.length())) + "...");
            }
        }
    }

    private static List<Path> holders(Path dir, String text) throws java.io.IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            List<Path> out = new ArrayList<>();
            for (Path f : all.filter(Files::isRegularFile).toList()) {
                if (Files.readString(f, StandardCharsets.ISO_8859_1).contains(text)) {
                    out.add(f);
                }
            }
            return out;
        }
    }
}
