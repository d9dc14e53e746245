package io.mediapipeline.similar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Every known perceptual hash of one kind (photo or video), in memory, searched by a linear XOR/popcount scan.
 * Measured against a BK-tree at 100,000 hashes (bench/near): a scan of a packed long[] is a few tens of microseconds,
 * and a BK-tree at a radius of several bits out of 64 visits most of its nodes through pointers, which is slower.
 * Thread-safe. Public for bench/near.
 */
public final class NearIndex {

    /** Another file within the distance. */
    public record Match(UUID id, int distance) {
    }

    private long[] hashes = new long[1024];
    private UUID[] ids = new UUID[1024];
    private int size;
    private final Map<UUID, Integer> slots = new HashMap<>();

    /** Adds the file's hash, or replaces it when the file was known with another one. */
    public synchronized void put(UUID id, long hash) {
        Integer slot = slots.get(id);
        if (slot != null) {
            hashes[slot] = hash;
            return;
        }
        if (size == hashes.length) {
            hashes = Arrays.copyOf(hashes, size * 2);
            ids = Arrays.copyOf(ids, size * 2);
        }
        hashes[size] = hash;
        ids[size] = id;
        slots.put(id, size++);
    }

    /** Every other file whose hash differs from this one in at most maxDistance bits. */
    public synchronized List<Match> within(UUID self, long hash, int maxDistance) {
        List<Match> found = new ArrayList<>();
        long[] h = hashes;
        for (int i = 0; i < size; i++) {
            int d = Long.bitCount(h[i] ^ hash);
            if (d <= maxDistance && !ids[i].equals(self)) {
                found.add(new Match(ids[i], d));
            }
        }
        return found;
    }

    public synchronized int size() {
        return size;
    }
}
