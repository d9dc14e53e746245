package io.mediapipeline.similar;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The keep suggestion's order: metadata, then picture size, then file size or bitrate, then the earliest. */
class KeepSuggestionTest {

    private static final OffsetDateTime T = OffsetDateTime.of(2024, 5, 1, 12, 0, 0, 0, ZoneOffset.UTC);

    private static KeepSuggestion.Member photo(int w, int h, long size, String dateFrom, boolean gps, String model,
                                               OffsetDateTime captured, OffsetDateTime created) {
        return new KeepSuggestion.Member(UUID.randomUUID(), w, h, size, null, dateFrom, captured, gps, null, model, created);
    }

    private static KeepSuggestion.Member clip(long size, double seconds, OffsetDateTime created) {
        return new KeepSuggestion.Member(UUID.randomUUID(), 1920, 1080, size, seconds, "QuickTime:CreateDate", T, false,
                null, null, created);
    }

    @Test
    void theCameraOriginalWinsOverAnUpscaledCopyWithoutItsTags() {
        KeepSuggestion.Member upscaled = photo(4032, 3024, 5_000_000, "File:mtime", false, null, T, T);
        KeepSuggestion.Member original = photo(2016, 1512, 3_000_000, "EXIF:DateTimeOriginal", true, "iPhone 13", T,
                T.plusDays(1));
        Map<UUID, KeepSuggestion.Verdict> v = KeepSuggestion.of(List.of(upscaled, original));
        assertThat(v.get(original.id()).keep()).isTrue();
        assertThat(v.get(original.id()).reason())
                .isEqualTo("keep: richer metadata (capture date, GPS, camera make/model against none)");
        assertThat(v.get(upscaled.id()).keeperId()).isEqualTo(original.id());
        assertThat(v.get(upscaled.id()).keep()).isFalse();
    }

    @Test
    void withTheSameMetadataTheLargerPictureWins() {
        KeepSuggestion.Member big = photo(4032, 3024, 2_000_000, "EXIF:DateTimeOriginal", false, "iPhone 13", T, T);
        KeepSuggestion.Member small = photo(2016, 1512, 3_000_000, "EXIF:DateTimeOriginal", false, "iPhone 13", T, T);
        Map<UUID, KeepSuggestion.Verdict> v = KeepSuggestion.of(List.of(small, big));
        assertThat(v.get(big.id()).reason()).isEqualTo("keep: larger picture (4032x3024 against 2016x1512)");
        assertThat(v.get(small.id()).keep()).isFalse();
    }

    @Test
    void sameSizeAndMetadataThenTheLargerFileThenTheEarliest() {
        KeepSuggestion.Member a = photo(640, 480, 90_000, "EXIF:DateTimeOriginal", true, null, T, T.plusDays(1));
        KeepSuggestion.Member b = photo(640, 480, 60_000, "EXIF:DateTimeOriginal", true, null, T, T);
        assertThat(KeepSuggestion.of(List.of(b, a)).get(a.id()).reason())
                .isEqualTo("keep: larger file (90000 against 60000 bytes)");
        KeepSuggestion.Member c = photo(640, 480, 90_000, "EXIF:DateTimeOriginal", true, null, T, T.minusDays(1));
        assertThat(KeepSuggestion.of(List.of(a, c)).get(c.id()).reason()).isEqualTo("keep: ingested first");
        KeepSuggestion.Member d = photo(640, 480, 90_000, "EXIF:DateTimeOriginal", true, null, T.minusYears(1), T.plusDays(9));
        assertThat(KeepSuggestion.of(List.of(a, c, d)).get(d.id()).reason()).isEqualTo("keep: captured first");
    }

    @Test
    void forVideosTheHigherBitrateWinsNotTheLongerFile() {
        KeepSuggestion.Member original = clip(40_000_000, 10, T.plusDays(1)); // 32 Mbit/s
        KeepSuggestion.Member longerReencode = clip(50_000_000, 40, T);      // 10 Mbit/s
        Map<UUID, KeepSuggestion.Verdict> v = KeepSuggestion.of(List.of(longerReencode, original));
        assertThat(v.get(original.id()).reason()).isEqualTo("keep: higher bitrate (32000 against 10000 kbit/s)");
        assertThat(v.get(longerReencode.id()).reason())
                .isEqualTo("not suggested, the kept file wins on higher bitrate (32000 against 10000 kbit/s)");
    }
}
