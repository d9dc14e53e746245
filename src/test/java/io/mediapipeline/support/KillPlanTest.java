package io.mediapipeline.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.support.KillPlan.Snapshot;
import io.mediapipeline.support.KillPlan.Stage;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The crash campaign's record of where its kills landed: a kill counts only for a stage seen at work when it came
 * (never for the stage it was aimed at alone), an idle kill counts for nothing, and the goal needs every required
 * stage, twenty kills in work and a SIGTERM.
 */
class KillPlanTest {

    private static Snapshot at(int archived, int decided, int pixelConfirmed) {
        return new Snapshot(0, archived, archived, archived, decided, pixelConfirmed, pixelConfirmed, 0, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void aKillLandsWhereWorkWasSeenNotWhereItWasAimed() {
        Snapshot before = at(3, 1, 0);
        assertThat(KillPlan.working(before, at(3, 1, 0), false, false)).as("nothing grew, nothing running").isEmpty();
        assertThat(KillPlan.working(before, at(3, 2, 1), false, false)).containsExactly(Stage.COMPRESS, Stage.PIXEL);
        assertThat(KillPlan.working(before, before, true, false)).as("an encode running").containsExactly(Stage.COMPRESS);
        assertThat(KillPlan.working(before, before, false, true)).as("an upload held").containsExactly(Stage.ICLOUD_UPLOAD);

        KillPlan plan = new KillPlan(1);
        KillPlan.Landing idle = plan.record(1, false, Stage.PIXEL, true, List.of(), 10, before, List.of(), "");
        assertThat(idle.idle()).as("aimed at pixel, nothing at work").isTrue();
        KillPlan.Landing elsewhere = plan.record(2, false, Stage.PIXEL, false, List.of(Stage.COMPRESS), 10, before,
                List.of(), "");
        assertThat(elsewhere.counted()).as("aimed at pixel, compress at work").isEqualTo(Stage.COMPRESS);
        assertThat(plan.kills()).isEqualTo(2);
        assertThat(plan.idleKills()).isEqualTo(1);
        assertThat(plan.nonIdleKills()).isEqualTo(1);
        assertThat(plan.counts()).containsOnlyKeys(Stage.COMPRESS);
    }

    @Test
    void theGoalNeedsTwentyKillsInWorkEveryRequiredStageAndASigterm() {
        assertThat(KillPlan.REQUIRED).as("the iCloud hand-over and every other stage").containsExactly(Stage.values());
        KillPlan plan = new KillPlan(1);
        int k = 0;
        for (int i = 0; i < 25; i++) {
            plan.record(++k, false, Stage.INGEST, true, List.of(), 10, null, List.of(), "");
        }
        assertThat(plan.goalReached(20)).as("25 idle kills").isFalse();
        for (Stage s : KillPlan.REQUIRED) {
            if (s != Stage.ICLOUD_DOWNLOAD) {
                for (int i = 0; i < 4; i++) {
                    plan.record(++k, false, s, true, List.of(s), 10, null, List.of(), "");
                }
            }
        }
        plan.record(++k, true, Stage.INGEST, true, List.of(Stage.INGEST), 10, null, List.of(), "");
        assertThat(plan.nonIdleKills()).isEqualTo(20);
        assertThat(plan.goalReached(20)).as("no kill landed in the iCloud download").isFalse();
        long atDownload = IntStream.range(0, 50).filter(i -> plan.nextTarget() == Stage.ICLOUD_DOWNLOAD).count();
        assertThat(atDownload).as("the stage hit least is aimed at next (but for one pick in five, of any stage)")
                .isGreaterThan(30);
        plan.record(++k, false, Stage.ICLOUD_DOWNLOAD, true, List.of(Stage.ICLOUD_DOWNLOAD), 10, null, List.of(), "");
        assertThat(plan.goalReached(20)).isTrue();
        assertThat(plan.perStage()).isEqualTo("icloud download 1, ingest 4, compress 4, pixel 4, icloud upload 4,"
                + " verify/cleanup 4");
    }

    @Test
    void theGoalIsNotReachedWithNineteenKillsInWorkNorWithoutASigterm() {
        KillPlan nineteen = spread(19);
        nineteen.record(20, true, Stage.INGEST, true, List.of(Stage.INGEST), 10, null, List.of(), "");
        assertThat(nineteen.goalReached(20)).as("19 kills in work, every stage, a SIGTERM").isFalse();

        KillPlan noSigterm = spread(20);
        assertThat(noSigterm.goalReached(20)).as("20 kills in work, every stage, no SIGTERM").isFalse();
        noSigterm.record(21, true, Stage.INGEST, true, List.of(Stage.INGEST), 10, null, List.of(), "");
        assertThat(noSigterm.goalReached(20)).isTrue();
    }

    /** A plan with {@code kills} kill -9 landings in work, spread over the stages in turn. */
    private static KillPlan spread(int kills) {
        KillPlan plan = new KillPlan(1);
        for (int k = 1; k <= kills; k++) {
            Stage s = Stage.values()[k % Stage.values().length];
            plan.record(k, false, s, true, List.of(s), 10, null, List.of(), "");
        }
        return plan;
    }
}
