package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static io.mediapipeline.support.PipelineHome.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.mediapipeline.Application;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every file the folder source sees ends up in a run report: what it does not take is listed as skipped, with why. */
class SkippedInputsIT {

    @TempDir
    Path tmp;

    @Test
    void filesThatAreNotMediaAreReportedAsSkippedOnceAndThePhotosAreImported() throws Exception {
        PipelineHome pipeline = new PipelineHome(tmp).set("pipeline.ingest.parallelism", "1");
        Path lib = pipeline.library();
        List<Path> photos = Tools.photos(lib, "IMG_", 2, "2023:05:01 10:00:00");
        Path notes = Files.writeString(lib.resolve("notes.txt"), "what is on this card");
        Path album = Files.createDirectories(lib.resolve("album"));
        Path db = Files.write(album.resolve("Photos.db"), new byte[] {'S', 'Q', 'L', 'i', 't', 'e', 0});
        Path sidecar = Files.writeString(album.resolve("IMG_0001.XMP"), "<x:xmpmeta xmlns:x='adobe:ns:meta/'/>");

        PipelineHome.Console console = pipeline.onceCapturingOutput();
        int rc = console.rc();
        String out = console.out();
        assertThat(rc).as(out).isEqualTo(Application.EXIT_OK);
        assertThat(out).contains("Run complete: 2 imported, 0 duplicate(s), 0 quarantined, 3 skipped (the report says why)");

        assertThat(files(pipeline.home().resolve("originals"))).hasSize(photos.size());
        JsonNode report = pipeline.latestReport();
        assertThat(skipped(report)).as("each non-media file listed, with why")
                .containsOnlyKeys(notes.toString(), db.toString(), sidecar.toString())
                .hasEntrySatisfying(notes.toString(), why -> assertThat(why).contains("a .txt file").contains("not a photo or video"))
                .hasEntrySatisfying(db.toString(), why -> assertThat(why).contains("a .db file"))
                .hasEntrySatisfying(sidecar.toString(), why -> assertThat(why).contains("a .XMP file"));
        assertThat(report.get("counts").get("skipped").asInt()).isEqualTo(3);
        assertThat(notes).as("left where it is").exists();

        // decided: a skipped file is reported in the run that first saw it, not again as new in every later run
        assertThat(pipeline.once()).isEqualTo(Application.EXIT_OK);
        assertThat(pipeline.latestReport().get("files")).as("nothing new the second time").isEmpty();
        try (Database ledger = pipeline.openLedger()) {
            assertThat(query(ledger, "select source_path from source_files where disposition = 'skipped'")).hasSize(3);
        }
    }

    private static Map<String, String> skipped(JsonNode report) {
        Map<String, String> out = new TreeMap<>();
        report.get("files").forEach(f -> {
            if (f.get("status").asText().equals("skipped")) {
                out.put(f.get("source").asText(), f.get("error").asText());
            }
        });
        return out;
    }
}
