package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.query;
import static io.mediapipeline.support.PipelineHome.sha;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mediapipeline.Application;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verify stage in the real app: `once` archives a few photos and, with no target on, waits until each is
 * verified from its copies' bytes; the proof is in each file's history and the run report counts them.
 */
class VerifyIT {

    @TempDir
    Path tmp;

    private static String json(Object jsonb) {
        try {
            return new ObjectMapper().readTree(String.valueOf(jsonb)).toString();
        } catch (java.io.IOException e) {
            throw new AssertionError("evidence is not JSON: " + jsonb, e);
        }
    }

    @Test
    void onceVerifiesWhatItArchivedWithTheProofInTheHistory() throws Exception {
        PipelineHome pipeline = new PipelineHome(tmp).set("pipeline.verify.enabled", "true");
        List<Path> photos = Tools.photos(pipeline.library(), "v_", 3, "2024:05:01 10:00:00");

        assertThat(pipeline.once()).isEqualTo(Application.EXIT_OK);

        try (Database db = pipeline.openLedger()) {
            List<Map<String, Object>> rows = query(db, """
                    select m.sha256, m.status, m.archive_path, e.evidence::text as evidence
                      from media_files m left join file_events e
                        on e.media_file_id = m.id and e.entity = 'media_file' and e.to_state = 'verified'""");
            assertThat(rows).extracting(r -> r.get("sha256"))
                    .containsExactlyInAnyOrderElementsOf(photos.stream().map(PipelineHome::sha).toList());
            assertThat(rows).allSatisfy(r -> {
                assertThat(r.get("status")).isEqualTo("verified");
                Path archive = Path.of((String) r.get("archive_path"));
                assertThat(json(r.get("evidence")))
                        .contains(pipeline.home().relativize(archive).toString())
                        .contains("\"sha256\":\"" + sha(archive) + "\"");
            });
        }
        JsonNode verify = pipeline.latestReport().get("verify");
        assertThat(verify.get("verified").asInt()).isEqualTo(3);
        assertThat(verify.get("errors").asInt()).isZero();
    }
}
