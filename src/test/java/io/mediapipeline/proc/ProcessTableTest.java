package io.mediapipeline.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What /proc says of a process: running or gone, its parent, its group, its arguments. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProcessTableTest {

    @Test
    void aChildIsRunningWithItsArgumentsAndThisJvmAsParent() throws Exception {
        Process child = ChildProcess.start(new ProcessBuilder("sleep", "294.5"));
        try {
            // setpriv runs first and execs sleep: wait for the exec
            await().atMost(Duration.ofSeconds(10)).until(() -> ProcessTable.cmdline(child.pid()),
                    argv -> argv.equals(List.of("sleep", "294.5")));
            ProcessTable.Stat stat = ProcessTable.stat(child.pid());

            assertThat(stat.running()).isTrue();
            assertThat(stat.zombie()).isFalse();
            assertThat(stat.ppid()).isEqualTo(ProcessHandle.current().pid());
            assertThat(stat.pgrp()).as("no group of its own").isEqualTo(ProcessTable.stat(ProcessHandle.current().pid()).pgrp());
            assertThat(ProcessTable.comm(child.pid())).isEqualTo("sleep");
            assertThat(ProcessTable.pids()).contains(child.pid(), ProcessHandle.current().pid());
        } finally {
            child.destroyForcibly().waitFor();
        }
        assertThat(ProcessTable.awaitNotRunning(child.pid(), Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void aProcessThatHasGoneIsGone() throws Exception {
        Process done = ChildProcess.start(new ProcessBuilder("true"));
        done.waitFor();
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessTable.stat(done.pid()) == ProcessTable.Stat.GONE
                || !ProcessTable.stat(done.pid()).running());

        assertThat(ProcessTable.isRunning(done.pid())).isFalse();
        assertThat(ProcessTable.cmdline(Long.MAX_VALUE)).isEmpty();
        assertThat(ProcessTable.comm(Long.MAX_VALUE)).isNull();
        assertThat(ProcessTable.stat(Long.MAX_VALUE)).isEqualTo(ProcessTable.Stat.GONE);
    }

    @Test
    void effectiveUidIsWhatIdSays() throws Exception {
        String id = ToolRun.run(List.of("id", "-u"), Duration.ofSeconds(20)).stdout().trim();

        assertThat(ProcessTable.effectiveUid()).isEqualTo(Integer.parseInt(id));
    }
}
