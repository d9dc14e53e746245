package io.mediapipeline.icloud.upload;

import io.mediapipeline.icloud.web.IcloudWebException;
import io.mediapipeline.icloud.web.PhotosWeb;
import io.mediapipeline.media.Hasher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory iCloud Photos library behind the {@link PhotosWeb} contract: what it holds is the witness the tests
 * check. Registering bytes it already holds answers "duplicate" with the existing record names, as the service does.
 * Faults are queued per call and thrown once each; a {@link Crash} stands for the process dying at that point.
 */
final class FakePhotosWeb implements PhotosWeb {

    /** The process dies here (kill -9): nothing after it runs, nothing is caught. */
    static final class Crash extends RuntimeException {
        Crash(String where) {
            super("crash " + where);
        }
    }

    /** One asset of the library and the bytes of its master's original. */
    record Stored(String asset, String master, String fileName, byte[] bytes, String checksum) {
    }

    final Map<String, Stored> library = new LinkedHashMap<>();
    final List<String> calls = new ArrayList<>();
    final Deque<Object> reserveFaults = new ArrayDeque<>();
    final Deque<Object> sendFaults = new ArrayDeque<>();
    final Deque<Object> registerFaults = new ArrayDeque<>();
    final Deque<Object> lookupFaults = new ArrayDeque<>();
    /** The register call stores the asset, then the process dies before the ledger hears of it. */
    volatile boolean crashAfterRegister;
    volatile int hiddenLookups;
    volatile boolean neverAppears;
    volatile long masterSizeDelta;
    volatile String masterChecksum;
    volatile String masterRef;
    volatile byte[] downloadInstead;
    /** Look-ups that find the asset but not its master yet (still being indexed). */
    volatile boolean masterHidden;
    final Deque<Object> signInFaults = new ArrayDeque<>();
    volatile boolean closed;
    private final Map<String, byte[]> sent = new HashMap<>();
    private final Map<String, AtomicInteger> lookups = new HashMap<>();
    private int next;

    @Override
    public Services services() {
        return new Services("dsid-1", "https://p01-uploadphotosws.icloud.example", "https://p01-ckdatabasews.icloud.example",
                false);
    }

    @Override
    public synchronized Reservation reserve(long size) throws IcloudWebException {
        calls.add("reserve");
        fault(reserveFaults);
        return new Reservation(UUID.randomUUID().toString(), "https://upload.example/singleFileUpload?tk=SECRET-TOKEN", size);
    }

    @Override
    public synchronized Receipt send(Reservation reservation, Path file) throws IcloudWebException, IOException {
        calls.add("send");
        fault(sendFaults);
        byte[] bytes = Files.readAllBytes(file);
        String checksum = checksum(bytes);
        sent.put(checksum, bytes);
        String sha = Hasher.sha256(file);
        String json = "{\"fileChecksum\":\"" + checksum + "\",\"size\":" + bytes.length + ",\"receipt\":\"R-" + checksum + "\"}";
        return new Receipt(json, checksum, bytes.length, sha, bytes.length);
    }

    @Override
    public synchronized Registration register(Receipt receipt, String fileName, Instant capturedAt, ZoneOffset offset,
                                              ZoneId localZone)
            throws IcloudWebException {
        calls.add("register");
        fault(registerFaults);
        for (Stored s : library.values()) {
            if (s.checksum().equals(receipt.fileChecksum())) {
                return new Registration(s.asset(), s.master(), null, true);
            }
        }
        byte[] bytes = sent.get(receipt.fileChecksum());
        if (bytes == null || !receipt.json().contains(receipt.fileChecksum())) {
            throw new IcloudWebException(IcloudWebException.Kind.REJECTED, 400, "unknown receipt");
        }
        String asset = "ASSET-" + (++next);
        String master = receipt.fileChecksum();
        library.put(asset, new Stored(asset, master, fileName, bytes, receipt.fileChecksum()));
        if (crashAfterRegister) {
            crashAfterRegister = false;
            throw new Crash("after putAsset");
        }
        return new Registration(asset, master, master + "#PrimarySync:" + asset, false);
    }

    @Override
    public Optional<Integer> progress(String uploadJobId) {
        return Optional.empty();
    }

    @Override
    public synchronized Optional<Found> lookup(String assetRecordName) throws IcloudWebException {
        calls.add("lookup");
        fault(lookupFaults);
        Stored s = library.get(assetRecordName);
        int n = lookups.computeIfAbsent(assetRecordName, k -> new AtomicInteger()).incrementAndGet();
        if (s == null || neverAppears || n <= hiddenLookups) {
            return Optional.empty();
        }
        Asset a = new Asset(s.asset(), masterRef != null ? masterRef : s.master(), false, false, "tag-1", Instant.now());
        if (masterHidden) {
            return Optional.of(new Found(a, null));
        }
        Master m = new Master(s.master(), s.fileName(), s.bytes().length + masterSizeDelta,
                masterChecksum != null ? masterChecksum : s.checksum(), "public.jpeg", "https://cvws.example/x?tk=SECRET");
        return Optional.of(new Found(a, m));
    }

    @Override
    public List<Found> assetsDated(Instant from, Instant to) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Asset markDeleted(String assetRecordName, String changeTag) {
        throw new UnsupportedOperationException();
    }

    @Override
    public synchronized String download(Master master, Path target) throws IOException {
        calls.add("download");
        Stored s = library.values().stream().filter(x -> x.master().equals(master.recordName())).findFirst().orElseThrow();
        Files.write(target, downloadInstead != null ? downloadInstead : s.bytes());
        return Hasher.sha256(target);
    }

    @Override
    public void close() {
        closed = true;
    }

    /** What the login gives: this fake, or the next sign-in fault. */
    synchronized FakePhotosWeb signIn() throws IcloudWebException {
        calls.add("signIn");
        fault(signInFaults);
        return this;
    }

    synchronized long count(String call) {
        return calls.stream().filter(call::equals).count();
    }

    private static void fault(Deque<Object> faults) throws IcloudWebException {
        Object f = faults.poll();
        if (f instanceof IcloudWebException e) {
            throw e;
        }
        if (f instanceof RuntimeException e) {
            throw e;
        }
    }

    static IcloudWebException web(IcloudWebException.Kind kind, int status, String message) {
        return new IcloudWebException(kind, status, message);
    }

    /** Like the service's: 0x01 followed by the SHA-1 of the bytes, base64. */
    static String checksum(byte[] bytes) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1").digest(bytes);
            byte[] out = new byte[21];
            out[0] = 1;
            System.arraycopy(sha1, 0, out, 1, 20);
            return Base64.getEncoder().encodeToString(out);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
