package io.mediapipeline.compress;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.media.ExifTool;
import io.mediapipeline.support.LivePhotoFiles;
import io.mediapipeline.support.Tools;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Live Photo stays one item in iCloud only while its compressed still keeps the Apple content identifier its
 * movie carries: the gate refuses a still that lost it, and the metadata copy-back keeps it (real ffmpeg, exiftool).
 */
class LivePhotoMetadataTest {

    private static final String ID = "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D";

    @TempDir
    Path tmp;

    @Test
    void theCompressedStillKeepsItsContentIdentifierOrTheGateRefusesIt() throws Exception {
        Path still = LivePhotoFiles.still(tmp, tmp.resolve("in"), "IMG_0100.JPG", ID, "2024:05:02 12:15:00", "+02:00", "testsrc2");
        // the encoder drops every tag
        Path out = tmp.resolve("out.jpg");
        Tools.run(tmp, "ffmpeg", "-v", "error", "-y", "-i", still.toString(), "-map_metadata", "-1", "-q:v", "8",
                out.toString());

        try (ExifTool exif = new ExifTool()) {
            Map<String, Object> original = exif.read(still);
            assertThat(original).containsEntry("Apple:MediaGroupUUID", ID);
            assertThat(MetadataDiff.lost(original, exif.read(out))).contains("Live Photo content identifier");

            Encode e = new Encode(EncodeMode.JPEG, "mjpeg", null, 0.97, out, "jpg", null, List.of(), null, List.of(),
                    null, 0, null, 0);
            List<String> copyBack = new java.util.ArrayList<>(List.of("exiftool"));
            copyBack.addAll(EncodePlanner.copyMetadata(e, still));
            Tools.run(tmp, copyBack.toArray(String[]::new));

            Map<String, Object> copied = exif.read(out);
            assertThat(copied).containsEntry("Apple:MediaGroupUUID", ID);
            assertThat(MetadataDiff.lost(original, copied)).isEmpty();
        }
    }
}
