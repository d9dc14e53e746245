package io.mediapipeline.support;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** Under `bin/media-pipeline test` a missing tool fails the test; a plain `mvn test` skips it and says why. */
class RequiredToolsTest {

    @Test
    void aMissingToolFailsWhenToolsAreRequiredAndSkipsOtherwise() {
        assertThatThrownBy(() -> RequiredTools.check(true, false, "the real icloudpd at .tools/x"))
                .isInstanceOf(AssertionFailedError.class).hasMessageContaining("the real icloudpd at .tools/x is missing")
                .hasMessageContaining("mediapipeline.require-tools=true");
        assertThatThrownBy(() -> RequiredTools.check(false, false, "heif-enc"))
                .isInstanceOf(TestAbortedException.class).hasMessageContaining("SKIPPED: heif-enc is missing");
        assertThatCode(() -> RequiredTools.check(true, true, "heif-enc")).doesNotThrowAnyException();
    }
}
