package io.mediapipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeWalkTest {

    @TempDir
    Path tmp;

    @Test
    void walksAheadInPathOrderInBatchesSkippingHiddenFilesAndFolderLinks() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("tree"));
        for (String name : List.of("b/2.jpg", "b/1.jpg", "a/z/9.jpg", "a/3.jpg", "c.jpg", ".hidden.jpg", "a/.x.jpg")) {
            Files.createDirectories(root.resolve(name).getParent());
            Files.writeString(root.resolve(name), name);
        }
        Files.createSymbolicLink(root.resolve("link-to-b"), root.resolve("b"));
        Files.createSymbolicLink(root.resolve("d.jpg"), root.resolve("c.jpg"));

        List<List<String>> batches = new ArrayList<>();
        List<Boolean> ownAttributes = new ArrayList<>();
        try (TreeWalk<String> walk = TreeWalk.ahead(root, 2, (file, attrs) -> {
            ownAttributes.add(attrs != null);
            return root.relativize(file).toString();
        })) {
            for (List<String> batch = walk.next(); !batch.isEmpty(); batch = walk.next()) {
                batches.add(batch);
            }
        }
        assertThat(batches).containsExactly(List.of("a/3.jpg", "a/z/9.jpg"), List.of("b/1.jpg", "b/2.jpg"),
                List.of("c.jpg", "d.jpg"));
        assertThat(ownAttributes).as("the file reached through a link has no attributes of its own")
                .containsExactly(true, true, true, true, true, false);
    }

    @Test
    void walksInTheOrderOfTheLedgersSourceKeys() throws IOException {
        // a file whose name starts like a folder's, the keys' separator, accents, case, and a character above U+FFFF
        // beside one just below it (UTF-16 order puts the first below the second; the ledger, by code point, above)
        Path root = Files.createDirectories(tmp.resolve("tree"));
        String camera = "\uD83D\uDCF7.jpg";
        String bracket = "\uFF08.jpg";
        for (String name : List.of("b/1.jpg", "b.jpg", "b-c.jpg", "b|1.jpg", "été/x.jpg", "Z.jpg", "b/a/2.jpg", "b0.jpg",
                camera, bracket, ".hidden.jpg")) {
            Files.createDirectories(root.resolve(name).getParent());
            Files.writeString(root.resolve(name), name);
        }
        List<String> walked = new ArrayList<>();
        try (TreeWalk<String> walk = TreeWalk.ahead(root, 3, (file, attrs) -> root.relativize(file).toString())) {
            for (List<String> batch = walk.next(); !batch.isEmpty(); batch = walk.next()) {
                walked.addAll(batch);
            }
        }
        assertThat(walked).containsExactly("Z.jpg", "b-c.jpg", "b.jpg", "b/1.jpg", "b/a/2.jpg", "b0.jpg", "b|1.jpg",
                "été/x.jpg", bracket, camera);
    }

    @Test
    void keyOrderIsCodePointOrder() {
        assertThat(KeyOrder.compare("\uD83D\uDCF7", "\uFF08")).isPositive();
        assertThat(KeyOrder.compare("a/b.jpg|1|2", "a/b/c")).isNegative();
        assertThat(KeyOrder.compare("ab", "abc")).isNegative();
        assertThat(KeyOrder.compare("abc", "abc")).isZero();
    }

    @Test
    void aFolderTheWalkCannotReadFailsTheReaderAfterWhatWasWalked() {
        try (TreeWalk<Path> walk = TreeWalk.ahead(tmp.resolve("missing"), 10, (file, attrs) -> file)) {
            assertThatThrownBy(walk::next).isInstanceOf(NoSuchFileException.class).hasMessageContaining("missing");
        }
    }
}
