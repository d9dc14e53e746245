package io.mediapipeline.flow;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.media.Hasher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One file's copies checked against the ledger's size and sha256, each inode read once. */
class InodeHashesTest {

    @TempDir
    Path dir;

    private final List<Path> reads = new ArrayList<>();
    private final InodeHashes hashes = new InodeHashes(p -> {
        reads.add(p);
        return Hasher.sha256(p);
    });

    @Test
    void linksOfOneInodeAreReadOnceAndNameTheFirstPath() throws Exception {
        Path original = write("original.jpg", "photo bytes");
        Path archive = Files.createLink(dir.resolve("archive.jpg"), original);
        Path copy = write("copy.jpg", "photo bytes");
        String sha = Hasher.sha256(original);

        InodeHashes.Copy a = hashes.check(original, 11L, sha);
        InodeHashes.Copy b = hashes.check(archive, 11L, sha);
        InodeHashes.Copy c = hashes.check(copy, 11L, sha);

        assertThat(List.of(a, b, c)).allMatch(InodeHashes.Copy::ok).extracting(InodeHashes.Copy::sha256).containsOnly(sha);
        assertThat(reads).containsExactly(original, copy);
        assertThat(a.sameFileAs()).isNull();
        assertThat(b.sameFileAs()).isEqualTo(original);
        assertThat(c.sameFileAs()).isNull();
        assertThat(b.seen().inode()).isEqualTo(a.seen().inode()).isNotEqualTo(c.seen().inode());
    }

    @Test
    void whatIsNotTheLedgersCopySaysWhyWithoutReadingMoreThanNeeded() throws Exception {
        Path good = write("good.jpg", "photo bytes");
        String sha = Hasher.sha256(good);
        Path changed = write("changed.jpg", "photo bytez");
        Path shorter = write("short.jpg", "photo");
        Path link = Files.createSymbolicLink(dir.resolve("link.jpg"), good);
        Path folder = Files.createDirectory(dir.resolve("folder.jpg"));

        assertThat(hashes.check(dir.resolve("gone.jpg"), 11L, sha).outcome()).isEqualTo(InodeHashes.Outcome.MISSING);
        assertThat(hashes.check(link, 11L, sha).outcome()).isEqualTo(InodeHashes.Outcome.SYMBOLIC_LINK);
        assertThat(hashes.check(folder, 11L, sha).outcome()).isEqualTo(InodeHashes.Outcome.NOT_REGULAR);
        InodeHashes.Copy small = hashes.check(shorter, 11L, sha);
        assertThat(small.outcome()).isEqualTo(InodeHashes.Outcome.WRONG_SIZE);
        assertThat(small.seen().size()).isEqualTo(5);
        assertThat(reads).as("nothing read for a copy that is not even the right file").isEmpty();

        InodeHashes.Copy c = hashes.check(changed, 11L, sha);
        assertThat(c.outcome()).isEqualTo(InodeHashes.Outcome.CHANGED);
        assertThat(c.sha256()).isEqualTo(Hasher.sha256(changed));
    }

    @Test
    void aReadThatFailsIsUnreadableAndNoHashIsRememberedForIt() throws Exception {
        Path file = write("a.jpg", "photo bytes");
        InodeHashes failing = new InodeHashes(p -> {
            throw new java.io.IOException("Input/output error");
        });

        InodeHashes.Copy c = failing.check(file, null, null);

        assertThat(c.outcome()).isEqualTo(InodeHashes.Outcome.UNREADABLE);
        assertThat(c.error()).isEqualTo("Input/output error");
        assertThat(failing.read(failing.look(file))).isFalse();
    }

    @Test
    void aCallerMayChooseTheExpectedHashAfterSeeingTheInode() throws Exception {
        // the scrub's case: a compressed copy that is a link of the original holds the original's bytes
        Path original = write("original.jpg", "photo bytes");
        Path compressed = Files.createLink(dir.resolve("compressed.jpg"), original);

        InodeHashes.Seen o = hashes.look(original);
        String sha = hashes.sha256(o);
        InodeHashes.Seen c = hashes.look(compressed);

        assertThat(c.inode()).isEqualTo(o.inode());
        assertThat(hashes.read(c)).isTrue();
        assertThat(hashes.sha256(c)).isEqualTo(sha);
        assertThat(reads).containsExactly(original);
    }

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }
}
