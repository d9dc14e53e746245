package io.mediapipeline.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A secret file: never half-written, never read through a link, never read while others can read it. */
class PrivateFileTest {

    @TempDir
    Path tmp;

    @Test
    void aWriteIsPrivateFromTheStartAndItsFolderToo() throws Exception {
        Path file = tmp.resolve("state/secret");
        PrivateFile.write(file, "s3cret\n");
        assertThat(PrivateFile.readString(file)).isEqualTo("s3cret\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
        assertThat(Files.list(file.getParent())).as("no temporary name left").containsExactly(file);
    }

    @Test
    void aCrashBeforeTheRenameLeavesNoFileAndTheOldSecretUntouched() throws Exception {
        Path file = tmp.resolve("state/secret");
        IOException crash = new IOException("power cut");
        assertThatThrownBy(() -> PrivateFile.write(file, "new\n".getBytes(), t -> {
            throw crash;
        })).isSameAs(crash);
        assertThat(file).as("no empty or partial file under the real name").doesNotExist();
        assertThat(file.resolveSibling(".secret.tmp")).as("only the synced temp is left").hasContent("new");

        PrivateFile.write(file, "first\n");
        assertThatThrownBy(() -> PrivateFile.write(file, "second\n".getBytes(), t -> {
            throw crash;
        })).isSameAs(crash);
        assertThat(PrivateFile.readString(file)).as("the old secret stays whole").isEqualTo("first\n");

        PrivateFile.write(file, "third\n");
        assertThat(PrivateFile.readString(file)).isEqualTo("third\n");
        assertThat(file.resolveSibling(".secret.tmp")).as("the next write clears the leftover").doesNotExist();
    }

    @Test
    void aSymbolicLinkIsNeitherReadNorWrittenThrough() throws Exception {
        Path elsewhere = tmp.resolve("elsewhere");
        Files.writeString(elsewhere, "not yours");
        Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rw-------"));
        Path dir = PrivateDir.create(tmp.resolve("state"));
        Path link = Files.createSymbolicLink(dir.resolve("secret"), elsewhere);
        assertThatThrownBy(() -> PrivateFile.readString(link)).isInstanceOf(PrivateFile.NotPrivate.class)
                .hasMessageContaining("symbolic link");
        assertThatThrownBy(() -> PrivateFile.write(link, "x")).isInstanceOf(PrivateFile.NotPrivate.class);
        assertThat(elsewhere).hasContent("not yours");

        Files.delete(link);
        Files.createSymbolicLink(dir.resolve(".secret.tmp"), elsewhere);
        PrivateFile.write(dir.resolve("secret"), "mine");
        assertThat(elsewhere).as("a link planted at the temporary name is removed, not followed").hasContent("not yours");
        assertThat(PrivateFile.readString(dir.resolve("secret"))).isEqualTo("mine");
    }

    @Test
    void aFileOthersCanReadOrChangeIsRefusedNotRepaired() throws Exception {
        Path file = tmp.resolve("state/secret");
        PrivateFile.write(file, "s3cret");
        for (String mode : new String[] {"rw-r-----", "rw----r--", "rw--w----"}) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
            assertThatThrownBy(() -> PrivateFile.readString(file)).as(mode).isInstanceOf(PrivateFile.NotPrivate.class)
                    .hasMessageContaining("chmod 600 " + file).hasMessageNotContaining("s3cret");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo(mode);
        }
    }
}
