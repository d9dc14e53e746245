package io.mediapipeline.status;

import java.time.Instant;

/**
 * Something that needs a person: shown as the dashboard's banner and sent as a notification when it appears.
 *
 * @param kind     what it is
 * @param subject  what it is about (an account name, the phone, a path); never a secret
 * @param message  one sentence saying what is wrong and what to do
 * @param since    since when (the ledger's time where known)
 */
public record Attention(Kind kind, String subject, String message, Instant since) {

    public enum Kind {
        SIGN_IN_NEEDED, SIGN_IN_EXPIRING, PHONE_OFFLINE, DISK_SHORT, NAS_MISSING, SCRUB_DAMAGE, DATABASE_DOWN
    }

    /** Identifies the condition, so a notifier can tell a new one from one it has already sent. */
    public String key() {
        return kind + ":" + subject;
    }
}
