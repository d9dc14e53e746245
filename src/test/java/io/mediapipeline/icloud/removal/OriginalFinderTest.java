package io.mediapipeline.icloud.removal;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.icloud.removal.OriginalFinder.Match;
import io.mediapipeline.icloud.removal.OriginalFinder.NoMatch;
import io.mediapipeline.icloud.removal.OriginalFinder.Original;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Which asset is a downloaded file's original: one match by name, exact size and date, or none at all. */
class OriginalFinderTest {

    private static final Instant TAKEN = Instant.parse("2023-08-14T18:02:00Z");

    private final FakeLibrary library = new FakeLibrary();
    private final OriginalFinder finder = new OriginalFinder(Duration.ofHours(24));

    @Test
    void icloudpdsSizeSuffixStillFindsTheOriginal() throws Exception {
        // icloudpd saved the second IMG_4711.JPG as IMG_4711-2345678.JPG (name-size-dedup-with-suffix)
        library.add("IMG_4711.JPG", 1_111_111, TAKEN);
        FakeLibrary.Item second = library.add("IMG_4711.JPG", 2_345_678, TAKEN.plusSeconds(5));

        var result = finder.find(library, new Original("IMG_4711-2345678.JPG", 2_345_678, TAKEN, null));

        assertThat(((Match) result).found().asset().recordName()).isEqualTo(second.record);
    }

    @Test
    void aSuffixThatIsNotTheSizeIsPartOfTheName() throws Exception {
        library.add("IMG-20230814.JPG", 2_345_678, TAKEN);

        var result = finder.find(library, new Original("IMG-20230814.JPG", 2_345_678, TAKEN, null));
        var other = finder.find(library, new Original("IMG-2345678.JPG", 2_345_678, TAKEN, null));

        assertThat(result).isInstanceOf(Match.class);
        assertThat(other).isInstanceOf(NoMatch.class);
    }

    @Test
    void theAssetDateMustLieInTheWindow() throws Exception {
        library.add("IMG_1.JPG", 1000, TAKEN.plus(Duration.ofHours(25)));

        assertThat(finder.find(library, new Original("IMG_1.JPG", 1000, TAKEN, null))).isInstanceOf(NoMatch.class);
        assertThat(finder.find(library, new Original("IMG_1.JPG", 1000, TAKEN.plus(Duration.ofHours(2)), null)))
                .isInstanceOf(Match.class);
    }

    @Test
    void aKnownRecordIsStillCheckedByNameSizeAndDate() throws Exception {
        FakeLibrary.Item asset = library.add("IMG_2.HEIC", 5000, TAKEN);
        FakeLibrary.Item other = library.add("IMG_3.HEIC", 5000, TAKEN);

        assertThat(((Match) finder.find(library, new Original("IMG_2.HEIC", 5000, TAKEN, asset.record))).how())
                .startsWith("record name");
        assertThat(((NoMatch) finder.find(library, new Original("IMG_2.HEIC", 5000, TAKEN, other.record))).reason())
                .contains("does not match");
        assertThat(((NoMatch) finder.find(library, new Original("IMG_2.HEIC", 5000, TAKEN, "GONE"))).reason())
                .isEqualTo("asset GONE not found");
    }

    @Test
    void aDeletedAssetIsNotTheOriginal() throws Exception {
        FakeLibrary.Item asset = library.add("IMG_4.HEIC", 5000, TAKEN);
        asset.deleted = true;

        assertThat(finder.find(library, new Original("IMG_4.HEIC", 5000, TAKEN, null))).isInstanceOf(NoMatch.class);
        assertThat(((NoMatch) finder.find(library, new Original("IMG_4.HEIC", 5000, TAKEN, asset.record))).reason())
                .contains("already deleted");
    }

    @Test
    void namesInEitherUnicodeFormMatch() throws Exception {
        library.add("Caf\u00e9.JPG", 700, TAKEN); // composed, as iCloud may hold it
        assertThat(finder.find(library, new Original("Cafe\u0301.JPG", 700, TAKEN, null))).isInstanceOf(Match.class);
    }
}
