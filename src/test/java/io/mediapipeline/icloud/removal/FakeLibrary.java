package io.mediapipeline.icloud.removal;

import io.mediapipeline.icloud.web.IcloudWebException;
import io.mediapipeline.icloud.web.PhotosWeb;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * An in-memory iCloud Photos library behind the PhotosWeb interface: the witness of what a removal did. Assets
 * carry change tags that every edit renews, as CloudKit's do; a delete with a stale tag is refused.
 */
final class FakeLibrary implements PhotosWeb {

    /** One asset and its master, as the library holds it. */
    static final class Item {
        final String record;
        final String master;
        final String fileName;
        final long size;
        final Instant date;
        String changeTag = tag();
        boolean deleted;

        Item(String record, String master, String fileName, long size, Instant date) {
            this.record = record;
            this.master = master;
            this.fileName = fileName;
            this.size = size;
            this.date = date;
        }

        Found found() {
            return new Found(new Asset(record, master, deleted, false, changeTag, date),
                    new Master(master, fileName, size, "AR" + master, "public.heic", "https://example.invalid/" + master));
        }
    }

    final Map<String, Item> items = new LinkedHashMap<>();
    final List<String> deleteCalls = new ArrayList<>();
    /** The service answers a delete but does not carry it out. */
    boolean ignoreDeletes;
    /** The query leaves the masters out. */
    boolean queryWithoutMasters;

    Item add(String fileName, long size, Instant date) {
        String id = UUID.randomUUID().toString().toUpperCase();
        Item item = new Item(id, "M" + id.substring(0, 8), fileName, size, date);
        items.put(id, item);
        return item;
    }

    /** An edit on a device (a crop, a favourite): the asset gets a new change tag. */
    void edit(Item item) {
        item.changeTag = tag();
    }

    boolean deleted(Item item) {
        return item.deleted;
    }

    @Override
    public Optional<Found> lookup(String assetRecordName) {
        return Optional.ofNullable(items.get(assetRecordName)).map(Item::found);
    }

    @Override
    public List<Found> assetsDated(Instant from, Instant to) {
        return items.values().stream().filter(i -> !i.deleted && !i.date.isBefore(from) && i.date.isBefore(to))
                .map(i -> queryWithoutMasters ? new Found(i.found().asset(), null) : i.found()).toList();
    }

    @Override
    public Asset markDeleted(String assetRecordName, String changeTag) throws IcloudWebException {
        deleteCalls.add(assetRecordName);
        Item item = items.get(assetRecordName);
        if (item == null) {
            throw new IcloudWebException(IcloudWebException.Kind.REJECTED, 200, "NOT_FOUND " + assetRecordName);
        }
        if (!item.changeTag.equals(changeTag)) {
            throw new IcloudWebException(IcloudWebException.Kind.REJECTED, 200, "CONFLICT: stale change tag");
        }
        if (ignoreDeletes) {
            return item.found().asset();
        }
        item.deleted = true;
        item.changeTag = tag();
        return item.found().asset();
    }

    private static String tag() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    @Override
    public Services services() {
        return new Services("1234", "https://upload.example.invalid", "https://ck.example.invalid", false);
    }

    @Override
    public Reservation reserve(long size) {
        throw new UnsupportedOperationException("the removal uploads nothing");
    }

    @Override
    public Receipt send(Reservation reservation, Path file) {
        throw new UnsupportedOperationException("the removal uploads nothing");
    }

    @Override
    public Registration register(Receipt receipt, String fileName, Instant capturedAt, ZoneOffset offset,
                                              ZoneId localZone) {
        throw new UnsupportedOperationException("the removal uploads nothing");
    }

    @Override
    public Optional<Integer> progress(String uploadJobId) {
        throw new UnsupportedOperationException("the removal uploads nothing");
    }

    @Override
    public String download(Master master, Path target) {
        throw new UnsupportedOperationException("the removal downloads nothing");
    }

    @Override
    public void close() {
    }
}
