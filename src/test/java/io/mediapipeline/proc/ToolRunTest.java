package io.mediapipeline.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A short-lived tool: its exit code and both streams come back; a hung one is ended and what it said is kept. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ToolRunTest {

    @Test
    void exitCodeAndBothStreamsComeBack() throws Exception {
        ToolRun.Result r = ToolRun.run(List.of("sh", "-c", "echo out; echo err >&2; exit 3"), Duration.ofSeconds(20));

        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).isEqualTo("err\n");
    }

    @Test
    void mergedStderrKeepsTheOrderTheToolWroteIn() throws Exception {
        ToolRun.Result r = ToolRun.of(List.of("sh", "-c", "echo one; echo two >&2; echo three"))
                .mergeStderr().run(Duration.ofSeconds(20));

        assertThat(r.stdout()).isEqualTo("one\ntwo\nthree\n");
    }

    @Test
    void timeoutEndsAHungChildAndKeepsTheHeadAndTailOfItsOutput() {
        String marker = "297.5";
        String script = "echo first line; i=0; while [ $i -lt 2000 ]; do echo middle line $i; i=$((i+1)); done;"
                + " echo last line; exec sleep " + marker;
        long started = System.nanoTime();

        assertThatThrownBy(() -> ToolRun.of(List.of("sh", "-c", script)).limits(1024, 1024).run(Duration.ofSeconds(2)))
                .isInstanceOfSatisfying(ToolRun.TimedOut.class, e -> {
                    assertThat(e).hasMessage("sh did not finish within 2 s");
                    assertThat(e.output().exitCode()).isEqualTo(-1);
                    assertThat(e.output().stdout()).startsWith("first line\n").endsWith("last line\n")
                            .contains("bytes dropped]").doesNotContain("middle line 1000\n");
                });

        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("ended, not waited out").isLessThan(Duration.ofSeconds(15));
        assertThat(ProcessTable.pids()).as("the hung child is gone")
                .noneMatch(pid -> ProcessTable.cmdline(pid).equals(List.of("sleep", marker)));
    }

    @Test
    void aMissingToolSaysItCannotStart() {
        assertThatThrownBy(() -> ToolRun.run(List.of("no-such-tool-for-sure"), Duration.ofSeconds(5)))
                .isInstanceOf(IOException.class).hasMessageStartingWith("cannot start no-such-tool-for-sure: ");
    }
}
