package io.mediapipeline.icloud.upload;

import io.mediapipeline.icloud.upload.UploadLedger.Candidate;
import io.mediapipeline.icloud.web.PhotosWeb;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One account's batch: the files that go up together, grouped so that a Live Photo's halves go one after the other
 * in the same group, and what the batch came to. The first throttle, expired session or refusal stops the rest.
 */
public final class UploadBatch {

    /** The files one worker sends one after the other: one file, or a Live Photo's two halves. */
    public record Group(UploadBatch batch, List<Candidate> files) {
    }

    /** Why the batch stopped: its outcome (throttled, auth-needed, refused) and the service's words. */
    record Stop(String outcome, String message) {
    }

    private final String account;
    private final long attemptId;
    private final PhotosWeb web;
    private final List<Group> groups = new ArrayList<>();
    private final AtomicReference<Stop> stop = new AtomicReference<>();
    final AtomicInteger registered = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();

    UploadBatch(String account, long attemptId, PhotosWeb web, List<List<Candidate>> files) {
        this.account = account;
        this.attemptId = attemptId;
        this.web = web;
        for (List<Candidate> g : files) {
            groups.add(new Group(this, List.copyOf(g)));
        }
    }

    public String account() {
        return account;
    }

    long attemptId() {
        return attemptId;
    }

    PhotosWeb web() {
        return web;
    }

    /** What the route splits, one group per worker. */
    public List<Group> getGroups() {
        return groups;
    }

    public int size() {
        return groups.stream().mapToInt(g -> g.files().size()).sum();
    }

    /** Stops the batch: the first reason wins, the rest of the files stay pending. */
    void stop(String outcome, String message) {
        stop.compareAndSet(null, new Stop(outcome, message));
    }

    Stop stopped() {
        return stop.get();
    }

    @Override
    public String toString() {
        return "UploadBatch[" + account + ", " + size() + " file(s)]";
    }
}
