package io.mediapipeline.media;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class HasherTest {

    @Test
    void knownVectorsMatch(@TempDir Path dir) throws Exception {
        Path abc = Files.writeString(dir.resolve("abc"), "abc", StandardCharsets.US_ASCII);
        Path empty = Files.createFile(dir.resolve("empty"));

        assertThat(Hasher.sha256(abc)).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(Hasher.sha256(empty)).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void fileLargerThanTheBufferHashesLikeItsWholeContent(@TempDir Path dir) throws Exception {
        byte[] content = new byte[3 * (1 << 20) + 17];
        new Random(42).nextBytes(content);
        Path file = Files.write(dir.resolve("big.bin"), content);

        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        assertThat(Hasher.sha256(file)).isEqualTo(expected);
    }
}
