package io.mediapipeline.support;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A test that needs a tool `bin/media-pipeline setup` installs (the real icloudpd in .tools/, heif-enc, ...).
 * Under `bin/media-pipeline test` the tools are always installed, so there a missing one FAILS the test
 * (-Dmediapipeline.require-tools=true or MEDIAPIPELINE_REQUIRE_TOOLS=true); a developer's plain `mvn test`
 * skips it with a message saying what to install.
 */
public final class RequiredTools {

    public static final String PROPERTY = "mediapipeline.require-tools";
    public static final String ENV = "MEDIAPIPELINE_REQUIRE_TOOLS";

    private RequiredTools() {
    }

    /** Whether this run must have every tool. */
    public static boolean required() {
        return Boolean.parseBoolean(System.getProperty(PROPERTY, System.getenv().getOrDefault(ENV, "false")));
    }

    /** Fails (tools required) or skips (plain mvn) the test when the tool is not there. */
    public static void need(boolean present, String what) {
        check(required(), present, what);
    }

    static void check(boolean required, boolean present, String what) {
        if (present) {
            return;
        }
        if (required) {
            fail(what + " is missing, and this run requires every tool (" + PROPERTY + "=true, set by"
                    + " `bin/media-pipeline test`): run `bin/media-pipeline setup`");
        }
        assumeTrue(false, "SKIPPED: " + what + " is missing — run `bin/media-pipeline setup`"
                + " (under `bin/media-pipeline test` this fails instead)");
    }
}
