package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static io.mediapipeline.support.PipelineHome.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mediapipeline.Application;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `once` ends, and says honestly what it did: a file that cannot be read is quarantined after failing the
 * same way pipeline.ingest.max-attempts times (instead of being retried on every poll for ever), and a run
 * that leaves a file in error exits 4 ("not all done") and names the file and the reason.
 */
class UnfinishedRunIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /**
     * Tests run as root, which reads any file whatever its mode; the app is started without the capabilities that
     * let root ignore file permissions, so a mode-000 file is really unreadable to it, as to a service user.
     */
    private Process startWithoutDacOverride(Path config, Path log) throws Exception {
        Path project = PipelineHome.projectDir();
        String jar = System.getProperty("pipeline.jar", project.resolve("target/media-pipeline.jar").toString());
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--bounding-set=-dac_override,-dac_read_search",
                "--inh-caps=-dac_override,-dac_read_search", "--"));
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dpipeline.app-home=" + project, "-jar", jar, "once", "--config", config.toString()));
        return new ProcessBuilder(cmd).directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
    }

    @Test
    void unreadableFileIsQuarantinedAfterRepeatedFailuresAndOnceEnds() throws Exception {
        PipelineHome pipeline = new PipelineHome(tmp).set("pipeline.ingest.max-attempts", "3");
        Path lib = pipeline.library();
        Tools.photos(lib, "good", 2, "2021:04:04 10:00:00");
        Path locked = Tools.photos(lib, "locked", 1, "2021:04:05 10:00:00").get(0);
        String lockedSha = PipelineHome.sha(locked);
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        Path log = tmp.resolve("once.log");

        Process once = startWithoutDacOverride(pipeline.config(), log);
        boolean ended = once.waitFor(180, TimeUnit.SECONDS);
        if (!ended) {
            KillAndResumeIT.killHard(once);
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(ended).as("once ends although a file cannot be read; log:\n" + out).isTrue();
        assertThat(once.exitValue()).as("done, one file quarantined; log:\n" + out).isEqualTo(Application.EXIT_QUARANTINED);
        assertThat(out).contains("Run complete: 2 imported, 0 duplicate(s), 1 quarantined");

        assertThat(files(pipeline.sorted())).hasSize(2);
        // the input is left as it was (the folder source only reads)
        assertThat(Files.getPosixFilePermissions(locked)).isEmpty();
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(PipelineHome.sha(locked)).isEqualTo(lockedSha);

        Path reasonFile;
        try (Database db = pipeline.openLedger()) {
            List<Map<String, Object>> rows = query(db, "select disposition, reason, failures, last_error, place, attempts"
                    + " from source_files where source_path = ?", locked.toString());
            assertThat(rows).as("one row for the input").singleElement().satisfies(r -> {
                assertThat(r.get("disposition")).isEqualTo("quarantined");
                assertThat((String) r.get("reason")).isEqualTo("unreadable: permission denied (failed the same way 3 times)");
                assertThat(r.get("failures")).isEqualTo(3);
                assertThat(r.get("last_error")).isEqualTo("unreadable: permission denied");
                assertThat((Integer) r.get("attempts")).as("admitted once, then again on each retry").isEqualTo(2);
            });
            reasonFile = Path.of((String) rows.get(0).get("place"));
            assertThat(query(db, "select count(*) as n from media_files").get(0).get("n")).isEqualTo(2L);
        }
        assertThat(reasonFile).hasFileName("locked0001.jpg.reason.txt");
        assertThat(Files.readString(reasonFile)).contains("file: " + locked, "reason: unreadable: permission denied");
        JsonNode report = latestReport(pipeline);
        assertThat(report.path("notDone").isArray()).as(report.toString()).isTrue();
        assertThat(report.path("notDone")).isEmpty();
        assertThat(report.path("files")).anySatisfy(f -> {
            assertThat(f.path("source").asText()).isEqualTo(locked.toString());
            assertThat(f.path("status").asText()).isEqualTo("quarantined");
            assertThat(f.path("error").asText()).contains("permission denied");
        });
    }

    @Test
    void unreadableInboxFileIsMovedIntoQuarantineNotDeleted() throws Exception {
        PipelineHome pipeline = new PipelineHome(tmp).set("pipeline.ingest.max-attempts", "2")
                .set("pipeline.source.folder.enabled", "false");
        Path inbox = Files.createDirectories(pipeline.home().resolve("inbox/phone"));
        Path locked = Tools.photos(inbox, "locked", 1, "2021:04:05 10:00:00").get(0);
        byte[] bytes = Files.readAllBytes(locked);
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        Path log = tmp.resolve("once-inbox.log");

        Process once = startWithoutDacOverride(pipeline.config(), log);
        boolean ended = once.waitFor(180, TimeUnit.SECONDS);
        if (!ended) {
            KillAndResumeIT.killHard(once);
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(ended).as("once ends; log:\n" + out).isTrue();
        assertThat(once.exitValue()).as(out).isEqualTo(Application.EXIT_QUARANTINED);
        assertThat(locked).as("the inbox let the file go").doesNotExist();
        // the only copy was not deleted: it sits in quarantine/, byte for byte, beside its reason
        List<Path> kept = files(pipeline.home().resolve("quarantine")).stream()
                .filter(p -> !p.getFileName().toString().endsWith(".reason.txt")).toList();
        assertThat(kept).singleElement().satisfies(p -> {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
            assertThat(Files.readAllBytes(p)).isEqualTo(bytes);
        });
        try (Database db = pipeline.openLedger()) {
            assertThat(query(db, "select disposition, place from source_files")).singleElement().satisfies(r -> {
                assertThat(r.get("disposition")).isEqualTo("quarantined");
                assertThat(r.get("place")).isEqualTo(kept.get(0).toString());
            });
        }
    }

    @Test
    void fileLeftInErrorEndsOnceWithNotAllDoneAndTheNextRunReturnsItToWhereItFailed() throws Exception {
        PipelineHome pipeline = new PipelineHome(tmp);
        List<Path> photos = Tools.photos(pipeline.library(), "pic", 2, "2020:10:10 10:00:00");
        // the archive cannot be created: a plain file stands where sorted/ should be
        Files.createDirectories(pipeline.home());
        Files.writeString(pipeline.sorted(), "not a folder");

        PipelineHome.Console console = pipeline.onceCapturingOutput();
        int rc = console.rc();
        String out = console.out();
        System.out.println(out);
        assertThat(rc).as(out).isEqualTo(Application.EXIT_NOT_DONE);
        assertThat(out).contains("Run complete: 2 imported", "Not all done (exit 4): 2 item(s)")
                .contains("error while ingested: organize:");

        try (Database db = pipeline.openLedger()) {
            assertThat(query(db, "select status, error_from, original_path from media_files"))
                    .hasSize(2).allSatisfy(r -> {
                        assertThat(r.get("status")).isEqualTo("error");
                        assertThat(r.get("error_from")).isEqualTo("ingested");
                        assertThat(out).contains((String) r.get("original_path"));
                    });
        }
        JsonNode report = latestReport(pipeline);
        assertThat(report.path("notDone")).hasSize(2).allSatisfy(i ->
                assertThat(i.path("why").asText()).startsWith("error while ingested: organize:"));

        // the obstacle is gone: the next run takes the files back to ingested (where they failed) and organizes them
        Files.delete(pipeline.sorted());
        assertThat(pipeline.once()).isEqualTo(Application.EXIT_OK);
        assertThat(files(pipeline.sorted())).hasSize(photos.size());
        try (Database db = pipeline.openLedger()) {
            assertThat(query(db, "select status, error_from, error from media_files")).hasSize(2).allSatisfy(r -> {
                assertThat(r.get("status")).isEqualTo("archived");
                assertThat(r.get("error_from")).isNull();
                assertThat(r.get("error")).isNull();
            });
            assertThat(query(db, "select string_agg(from_state || '>' || to_state, ' ' order by id) as h from file_events"
                    + " where entity = 'media_file' and from_state is not null group by media_file_id"))
                    .hasSize(2).allSatisfy(r -> assertThat(r.get("h"))
                            .isEqualTo("ingesting>ingested ingested>error error>ingested ingested>archived"));
        }
    }

    private static JsonNode latestReport(PipelineHome pipeline) throws Exception {
        List<Path> reports = files(pipeline.home().resolve("reports"));
        assertThat(reports).isNotEmpty();
        return JSON.readTree(reports.get(reports.size() - 1).toFile());
    }
}
