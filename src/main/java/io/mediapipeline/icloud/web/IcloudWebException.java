package io.mediapipeline.icloud.web;

import java.time.Duration;

/** A failed call to iCloud's web services, classified so the caller can decide what it means for the account. */
public class IcloudWebException extends Exception {

    /** What went wrong, in the terms the stage acts on. */
    public enum Kind {
        /**
         * The session is no longer accepted (401/403/421 after a reset/450 on a session call, an answer saying the
         * session is refused, missing web auth cookie): sign in again.
         */
        AUTH_EXPIRED,
        /**
         * The account has Advanced Data Protection: the web upload cannot work for it. The message is
         * {@link IcloudWebClient#ADP_MESSAGE}.
         */
        ADP_REQUIRED,
        /** 429, 503 or ACCESS_DENIED/THROTTLED: back off (retryAfter when the service said). */
        THROTTLED,
        /** A failure worth another try later (5xx other than 503, isRetryable, a network error, a timeout). */
        RETRYABLE,
        /** The service refused this file or request for good (4xx, isRetryable false, a malformed answer). */
        REJECTED,
        /** The service is missing something the client needs (no photosupload or ckdatabasews web service). */
        UNAVAILABLE
    }

    private final Kind kind;
    private final int status;
    private final Duration retryAfter;
    private final boolean unreachable;

    public IcloudWebException(Kind kind, int status, String message, Duration retryAfter) {
        this(kind, status, message, retryAfter, false);
    }

    private IcloudWebException(Kind kind, int status, String message, Duration retryAfter, boolean unreachable) {
        super(message);
        this.kind = kind;
        this.status = status;
        this.retryAfter = retryAfter;
        this.unreachable = unreachable;
    }

    /**
     * No answer came at all (the connection refused, reset or closed): the service is down or the network is, which
     * says nothing about the file being sent. Retryable; not a time-out, which a file too big for the link can cause.
     */
    public static IcloudWebException unreachable(String message) {
        return new IcloudWebException(Kind.RETRYABLE, 0, message, null, true);
    }

    public IcloudWebException(Kind kind, int status, String message) {
        this(kind, status, message, null);
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status, or 0 when none was received. */
    public int status() {
        return status;
    }

    /** True when iCloud could not be reached at all (see {@link #unreachable(String)}). */
    public boolean unreachable() {
        return unreachable;
    }

    /** Retry-After when the service sent one, else null. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
