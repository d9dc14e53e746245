package io.mediapipeline.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A signal reaches the one process it names, or, sent to a group, every member down to the grandchildren. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SignalsTest {

    @Test
    void groupSignalEndsTheGrandchildToo() throws Exception {
        // setsid makes the shell the leader of its own group, as icloudpd is started
        Process leader = ChildProcess.start(new ProcessBuilder("setsid", "-w", "sh", "-c", "sleep 296.5 & echo $!; wait"));
        try {
            long grandchild = Long.parseLong(new BufferedReader(
                    new InputStreamReader(leader.getInputStream(), StandardCharsets.UTF_8)).readLine().trim());
            assertThat(ProcessTable.stat(leader.pid()).pgrp()).isEqualTo(leader.pid());
            assertThat(ProcessTable.group(leader.pid())).contains(leader.pid(), grandchild);

            Signals.sendToGroup(leader.pid(), "TERM");

            assertThat(leader.waitFor(10, TimeUnit.SECONDS)).as("the leader ended").isTrue();
            assertThat(ProcessTable.awaitNotRunning(grandchild, Duration.ofSeconds(10))).as("the grandchild ended").isTrue();
            assertThat(ProcessTable.group(leader.pid())).as("nothing of the group runs").noneMatch(ProcessTable::isRunning);
        } finally {
            leader.destroyForcibly();
        }
    }

    @Test
    void signalReachesTheOneProcessItNames() throws Exception {
        Process sleeper = ChildProcess.start(new ProcessBuilder("sleep", "295.5"));
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> ProcessTable.comm(sleeper.pid()), "sleep"::equals);

            Signals.send(sleeper.pid(), "INT");

            assertThat(Signals.awaitExit(sleeper, Duration.ofSeconds(10))).as("not interrupted").isTrue();
            assertThat(sleeper.isAlive()).isFalse();
            assertThat(sleeper.exitValue()).as("128 + SIGINT").isEqualTo(130);
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void signallingAProcessThatHasGoneIsNoError() throws Exception {
        Process done = ChildProcess.start(new ProcessBuilder("true"));
        done.waitFor();

        Signals.send(done.pid(), "KILL");
        Signals.sendToGroup(done.pid(), "KILL");
    }
}
