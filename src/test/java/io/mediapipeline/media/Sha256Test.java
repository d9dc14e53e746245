package io.mediapipeline.media;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.support.RequiredTools;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The digest files are identified by: the same bytes give the same hash, whichever code computes it. */
class Sha256Test {

    @Test
    void nativeHashingIsWhatDebiansJavaRuntimeGives() {
        // libnss3 is a dependency of Debian's openjdk-17-jre-headless: without it every file hashes ten times slower
        RequiredTools.need(Sha256.isNative(), "NSS for SHA-256 (libnss3): "
                + Sha256.implementation());
        assertThat(Sha256.digest().getProvider().getName()).startsWith("SunPKCS11");
    }

    @Test
    void agreesWithTheJdksDigestAcrossBlockBoundariesAndInPieces() throws Exception {
        Random random = new Random(20261203);
        for (int size : new int[] {0, 1, 55, 56, 63, 64, 65, 1 << 20, (1 << 20) + 17}) {
            byte[] data = new byte[size];
            random.nextBytes(data);
            MessageDigest ours = Sha256.digest();
            // in uneven pieces, as a stream of reads hands them over
            for (int at = 0; at < size; at += 1000 + at % 7) {
                ours.update(data, at, Math.min(size - at, 1000 + at % 7));
            }
            byte[] expected = MessageDigest.getInstance("SHA-256", "SUN").digest(data);
            assertThat(HexFormat.of().formatHex(ours.digest())).as("%d bytes", size)
                    .isEqualTo(HexFormat.of().formatHex(expected));
        }
    }

    @Test
    void theKnownAnswerForAbc() {
        assertThat(HexFormat.of().formatHex(Sha256.digest().digest("abc".getBytes())))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
