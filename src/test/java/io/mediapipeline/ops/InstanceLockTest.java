package io.mediapipeline.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One process per data directory; the refusal names the holder; the lock goes with its holder. */
class InstanceLockTest {

    @TempDir
    Path home;

    @Test
    void aSecondHolderIsRefusedWithTheFirstOnesPidUntilItLetsGo() throws Exception {
        try (InstanceLock first = InstanceLock.acquire(home)) {
            Path file = InstanceLock.file(home);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
            assertThatThrownBy(() -> InstanceLock.acquire(home))
                    .isInstanceOf(InstanceLock.HeldElsewhere.class)
                    .hasMessageStartingWith("another instance is already running on " + home + " (pid "
                            + ProcessHandle.current().pid() + " since ")
                    .hasMessageEndingWith("); stop it first (systemctl stop media-pipeline)");
        }
        try (InstanceLock again = InstanceLock.acquire(home)) {
            assertThat(Files.readString(InstanceLock.file(home))).startsWith("pid=" + ProcessHandle.current().pid() + "\n");
        }
    }

    @Test
    void nodesSharingADataDirectoryEachHoldTheirOwnLock() throws Exception {
        try (InstanceLock one = InstanceLock.acquire(home, "node-1"); InstanceLock two = InstanceLock.acquire(home, "node/2")) {
            assertThat(home.resolve("state/instance-node-1.lock")).exists();
            assertThat(home.resolve("state/instance-node_2.lock")).as("a name is a file name").exists();
            assertThatThrownBy(() -> InstanceLock.acquire(home, "node-1")).isInstanceOf(InstanceLock.HeldElsewhere.class);
        }
    }
}
