package io.mediapipeline.icloud.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The uploader's copy of icloudpd's session follows icloudpd's newer writes, and only those. */
class SessionCopyTest {

    @TempDir
    Path tmp;

    @Test
    void fileNameIsTheAppleIdReducedToWordCharacters() {
        assertThat(SessionCopy.fileName("anna.berg+photos@example.com")).isEqualTo("annabergphotosexamplecom");
        assertThat(SessionCopy.fileName("Ola_Nordmann@icloud.com")).isEqualTo("Ola_Nordmannicloudcom");
    }

    @Test
    void copiesWhenIcloudpdsIsNewerAndNotOtherwise() throws Exception {
        Path theirs = Files.createDirectories(tmp.resolve("cookies"));
        Path ours = tmp.resolve("own");
        Files.writeString(theirs.resolve("anna"), "#LWP-Cookies-2.0\njar v1\n");
        Files.writeString(theirs.resolve("anna.session"), "{\"v\":1}");
        Files.writeString(theirs.resolve("someone"), "another account");

        assertThat(SessionCopy.refresh(theirs, ours, "anna")).isTrue();
        assertThat(Files.readString(ours.resolve("anna.session"))).isEqualTo("{\"v\":1}");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ours))).isEqualTo("rwx------");
        for (String n : List.of("anna", "anna.session")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ours.resolve(n)))).isEqualTo("rw-------");
        }
        assertThat(ours.resolve("someone")).doesNotExist();
        assertThat(SessionCopy.refresh(theirs, ours, "anna")).as("nothing new").isFalse();

        // our own write-back is newer than icloudpd's files: kept
        Files.writeString(ours.resolve("anna.session"), "{\"v\":\"ours\"}");
        Files.setLastModifiedTime(ours.resolve("anna.session"), FileTime.from(Instant.now().plusSeconds(5)));
        assertThat(SessionCopy.refresh(theirs, ours, "anna")).isFalse();
        assertThat(Files.readString(ours.resolve("anna.session"))).contains("ours");

        // icloudpd signed in again later: its session wins
        Files.writeString(theirs.resolve("anna.session"), "{\"v\":2}");
        Files.setLastModifiedTime(theirs.resolve("anna.session"), FileTime.from(Instant.now().plusSeconds(60)));
        assertThat(SessionCopy.refresh(theirs, ours, "anna")).isTrue();
        assertThat(Files.readString(ours.resolve("anna.session"))).isEqualTo("{\"v\":2}");
    }

    @Test
    void noIcloudpdSessionCopiesNothing() throws Exception {
        assertThat(SessionCopy.refresh(tmp.resolve("missing"), tmp.resolve("own"), "anna")).isFalse();
        assertThat(tmp.resolve("own/anna")).doesNotExist();
    }
}
