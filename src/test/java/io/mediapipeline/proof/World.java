package io.mediapipeline.proof;

import io.mediapipeline.flow.TargetProof.State;
import io.mediapipeline.ledger.Claim;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.media.Hasher;
import io.mediapipeline.media.MediaInfo;
import io.mediapipeline.media.MediaKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The property test's pipeline home and what the test knows about it: media files walked through the ledger to
 * 'archived' with their real copies (originals/, sorted/, bridge/pixel/, duplicates/, compressed/), the targets'
 * truth, and the places the test itself damaged (flipped a byte, deleted), which nobody may be blamed for but
 * which must never go unreported.
 */
final class World {

    static final List<String> FOLDERS = List.of("originals", "sorted", "bridge", "duplicates", "compressed", "trash",
            "quarantine", "work", "inbox");

    /** One content as the test made it. */
    static final class Item {
        final UUID id;
        final String sha;
        final String name;
        final String source;
        final Path original;
        final Path sorted;
        final Path bridge;
        final String batch;
        final Path duplicate;
        final Path compressed;
        final String compressedSha;
        /** What a crash left behind: an input still in inbox/, a hand-off link in work/ (cleanup's to tidy). */
        final List<Path> leftovers = new ArrayList<>();

        Item(UUID id, String sha, String name, String source, Path original, Path sorted, Path bridge, String batch,
             Path duplicate, Path compressed, String compressedSha) {
            this.id = id;
            this.sha = sha;
            this.name = name;
            this.source = source;
            this.original = original;
            this.sorted = sorted;
            this.bridge = bridge;
            this.batch = batch;
            this.duplicate = duplicate;
            this.compressed = compressed;
            this.compressedSha = compressedSha;
        }

        /** Every local place of the content (not the compressed copy, which has bytes of its own). */
        List<Path> places() {
            List<Path> out = new ArrayList<>(List.of(original, sorted));
            if (bridge != null) {
                out.add(bridge);
            }
            if (duplicate != null) {
                out.add(duplicate);
            }
            out.addAll(leftovers);
            return out;
        }

        String expectedSha(Path place) {
            return place.equals(compressed) ? compressedSha : sha;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    final Path home;
    final Disk disk = new Disk();
    final Ledger ledger;
    final Schema schema;
    final FakeTarget pixel = new FakeTarget("pixel", true);
    final FakeTarget icloud = new FakeTarget("icloud", false);
    final RecordingRemoval removal;
    final SwitchGuard guard = new SwitchGuard();
    final List<Item> items = new ArrayList<>();
    /** Places the test broke, with the bytes they should hold; a place leaves when it holds them again (restored). */
    final Map<Path, String> damaged = new LinkedHashMap<>();
    private Random rnd;
    private int counter;

    World(Path home, Ledger ledger, Schema schema) {
        this.home = home;
        this.ledger = ledger;
        this.schema = schema;
        this.removal = new RecordingRemoval(false, this::whyRemovalIsWrong, (id, approval) -> ledger.rows("""
                insert into icloud_removals (media_file_id, state, dry_run, approved_by, approval, reason)
                values (?, 'removed', false, 'cleanup', ?, 'fake removal') returning id""", id, approval));
    }

    /** A fresh home and ledger for the next sequence. */
    void reset(Random random, boolean pixelOn, boolean icloudOn, boolean removalOn) throws IOException {
        this.rnd = random;
        items.clear();
        damaged.clear();
        pixel.forgetAll();
        icloud.forgetAll();
        removal.forgetAll();
        counter = 0; // the same names on a replay
        pixel.enabled(pixelOn);
        pixel.copiesMustStay(null);
        icloud.enabled(icloudOn);
        removal.enabled(removalOn);
        guard.open();
        for (String folder : FOLDERS) {
            Disk.deleteTree(home.resolve(folder));
        }
        schema.truncate(ledger);
    }

    // ---- making files ----------------------------------------------------------------------

    /** Adds n files to one new Pixel batch, each with what the settings of this sequence give it. */
    List<Item> add(int n) throws IOException {
        String batch = "b" + (++counter);
        UUID batchId = null;
        if (pixel.enabled()) {
            batchId = (UUID) ledger.rows("insert into batches (target, status, name, folder) values ('pixel', 'staged', ?, ?)"
                    + " returning id", batch, home.resolve("bridge/pixel").resolve(batch).toString()).get(0).get("id");
        }
        long run = ledger.openRun("once", "proof");
        List<Item> added = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            added.add(addOne(batch, batchId, run));
        }
        if (batchId != null) {
            ledger.rows("update batches set file_count = ?, closed_at = now(), scanned_at = now() where id = ? returning id",
                    n, batchId);
        }
        items.addAll(added);
        return added;
    }

    private Item addOne(String batch, UUID batchId, long run) throws IOException {
        int k = ++counter;
        String name = "f" + k + ".jpg";
        byte[] bytes = randomBytes(512 + rnd.nextInt(3584));
        Path original = home.resolve("originals/2024/01").resolve("20240115-120000_" + k + ".jpg");
        Disk.write(original, bytes);
        String sha = Hasher.sha256(original);
        Path sorted = home.resolve("sorted/photos/2024/01/15").resolve(name);
        Disk.linkOrCopy(original, sorted, rnd.nextBoolean());
        Path bridge = null;
        if (batchId != null) {
            bridge = home.resolve("bridge/pixel").resolve(batch).resolve(name);
            Disk.linkOrCopy(original, bridge, rnd.nextInt(4) > 0);
        }
        String source = rnd.nextInt(5) < 2 ? "icloud" : "folder";
        MediaInfo info = new MediaInfo(MediaKind.PHOTO, "jpeg", "jpg", "image/jpeg", 4, 4, null, 0, false, null, null,
                null, null, null, null);
        String sourcePath = source.equals("icloud") ? home.resolve("inbox/icloud/default/2024/" + name).toString()
                : "/library/" + name;
        Claim claim = ledger.claim(sha, bytes.length, info, source, name, sourcePath);
        UUID id = claim.mediaId();
        long sourceFile = ledger.admitSource(run, source, source + ":" + sha, sourcePath, bytes.length).sourceFileId();
        ledger.markIngested(id, original.toString(), sourceFile, sha);
        Path duplicate = null;
        if (rnd.nextInt(10) < 3) {
            duplicate = home.resolve("duplicates").resolve("dup_" + name);
            Disk.write(duplicate, bytes);
            long dupSource = ledger.admitSource(run, "folder", "dup:" + sha, "/library/copy of " + name, bytes.length)
                    .sourceFileId();
            ledger.recordDuplicate(id, dupSource, sha, duplicate.toString(), "/library/copy of " + name);
        }
        Path compressed = null;
        String compressedSha = null;
        if (rnd.nextInt(10) < 4) {
            compressed = home.resolve("compressed/2024/01").resolve("20240115-120000_" + k + ".jpg");
            Disk.write(compressed, randomBytes(100 + rnd.nextInt(400)));
            compressedSha = Hasher.sha256(compressed);
        }
        ledger.rows("update media_files set compress_decision = ?, compressed_path = ?, compressed_size = ?,"
                        + " captured_at = '2024-01-15T12:00:00Z', capture_offset_min = 0 where id = ? returning id",
                compressed == null ? "skipped" : "compressed", Objects.toString(compressed, null),
                compressed == null ? null : Files.size(compressed), id);
        if (compressed != null && schema.has("media_files", "compressed_sha256")) {
            ledger.rows("update media_files set compressed_sha256 = ? where id = ? returning id", compressedSha, id);
        }
        ledger.markArchived(id, sorted.toString());
        if (batchId != null) {
            ledger.rows("insert into deliveries (media_file_id, target, batch_id, state, staged_path, staged_size)"
                    + " values (?, 'pixel', ?, 'staged', ?, ?) returning id", id, batchId, bridge.toString(), bytes.length);
        }
        if (icloud.enabled()) {
            Path up = compressed != null ? compressed : original;
            ledger.rows("insert into deliveries (media_file_id, target, state, account, uploaded_path, uploaded_sha256,"
                    + " uploaded_size) values (?, 'icloud', 'sent', 'default', ?, ?, ?) returning id", id, up.toString(),
                    compressed != null ? compressedSha : sha, Files.size(up));
        }
        if (source.equals("icloud")) {
            removal.fromIcloud(id);
        }
        Item item = new Item(id, sha, name, source, original, sorted, bridge, batch, duplicate, compressed, compressedSha);
        if (source.equals("icloud") && rnd.nextInt(5) == 0) {
            item.leftovers.add(Path.of(sourcePath));
            Disk.write(Path.of(sourcePath), bytes);
        }
        if (rnd.nextInt(6) == 0) {
            Path link = home.resolve("work/pixel").resolve(sha + ".jpg");
            Disk.linkOrCopy(original, link, true);
            item.leftovers.add(link);
        }
        return item;
    }

    // ---- the targets' truth, mirrored in the deliveries rows the target stages would write ------

    void target(Item item, FakeTarget target, State state) {
        target.set(item.id, state);
        if (target == pixel && state == State.PROVEN) {
            ledger.rows("""
                    update deliveries set state = 'confirmed', confirmed_at = now(), hold_until = now(),
                           evidence = '{"fake": true}'::jsonb
                     where media_file_id = ? and target = 'pixel' and state = 'staged' returning id""", item.id);
            ledger.rows("""
                    update batches b set status = 'confirmed', completed_at = now()
                     where b.target = 'pixel' and b.status <> 'confirmed' and not exists (select 1 from deliveries d
                           where d.batch_id = b.id and d.state <> 'confirmed') returning id""");
        } else if (target == icloud && state == State.PROVEN) {
            ledger.rows("""
                    update deliveries set state = 'confirmed', confirmed_at = now(), evidence = '{"fake": true}'::jsonb
                     where media_file_id = ? and target = 'icloud' and state = 'sent' returning id""", item.id);
        } else if (target == icloud && state == State.MISSING) {
            ledger.rows("""
                    update deliveries set state = 'failed', last_error = 'fake: deleted in iCloud'
                     where media_file_id = ? and target = 'icloud' returning id""", item.id);
        }
        // the phone losing a file changes nothing in the ledger: only a look at the phone now can tell
    }

    // ---- damage ------------------------------------------------------------------------------

    /** Flips one byte of the place in place (same inode: every hard link of it is damaged too). */
    String flipByte(Item item, Path place) throws IOException {
        if (!Files.isRegularFile(place)) {
            return "nothing at " + rel(place);
        }
        Object inode = Files.readAttributes(place, "unix:ino").get("ino");
        var mode = Files.getPosixFilePermissions(place);
        Files.setPosixFilePermissions(place, PosixFilePermissions.fromString("rw-r--r--"));
        byte[] b = Files.readAllBytes(place);
        b[rnd.nextInt(b.length)] ^= (byte) (1 + rnd.nextInt(255));
        Files.write(place, b);
        Files.setPosixFilePermissions(place, mode);
        for (Item other : items) {
            for (Path p : allPlaces(other)) {
                if (Files.isRegularFile(p) && inode.equals(Files.readAttributes(p, "unix:ino").get("ino"))) {
                    markDamaged(other, p);
                }
            }
        }
        // a copy moved to trash/ may be a link of the same inode: it is damaged too, and so is the place it left
        Path trash = home.resolve("trash");
        if (Files.isDirectory(trash) && schema.has("local_removals")) {
            try (Stream<Path> s = Files.walk(trash)) {
                for (Path t : s.filter(Files::isRegularFile).toList()) {
                    if (!inode.equals(Files.readAttributes(t, "unix:ino").get("ino"))) {
                        continue;
                    }
                    for (Map<String, Object> r : ledger.rows("select path, media_file_id from local_removals"
                            + " where trash_path = ?", rel(t))) {
                        Item owner = items.stream().filter(i -> i.id.equals(r.get("media_file_id"))).findFirst().orElse(item);
                        markDamaged(owner, t);
                        markDamaged(owner, home.resolve((String) r.get("path")));
                    }
                }
            }
        }
        return "flipped a byte of " + rel(place);
    }

    String delete(Item item, Path place) throws IOException {
        if (!Files.deleteIfExists(place)) {
            return "nothing at " + rel(place);
        }
        markDamaged(item, place);
        return "deleted " + rel(place);
    }

    private void markDamaged(Item item, Path p) {
        damaged.putIfAbsent(p, item.expectedSha(p));
    }

    static List<Path> allPlaces(Item item) {
        List<Path> out = item.places();
        if (item.compressed != null) {
            out.add(item.compressed);
        }
        return out;
    }

    /** Damage that was repaired (the place holds its bytes again) is forgotten. */
    void forgetRepaired() {
        damaged.entrySet().removeIf(e -> disk.sha(e.getKey()).equals(e.getValue()));
    }

    /** Whether the file's archive copies (original, sorted, compressed) are as the ledger recorded them. */
    boolean archiveIntact(Item item) {
        return !damaged.containsKey(item.original) && !damaged.containsKey(item.sorted)
                && (item.compressed == null || !damaged.containsKey(item.compressed));
    }

    // ---- the judge of the iCloud original's removal (asked at the moment of the call) ----------

    String whyRemovalIsWrong(UUID id) {
        List<Map<String, Object>> rows = ledger.rows("select status from media_files where id = ?", id);
        String status = rows.isEmpty() ? "no row" : (String) rows.get(0).get("status");
        if (!status.equals("verified") && !status.equals("cleaned")) {
            return "the file is " + status;
        }
        for (FakeTarget t : List.of(pixel, icloud)) {
            if (t.enabled() && t.answered(id) != State.PROVEN) {
                return t.target() + " last answered " + t.answered(id);
            }
        }
        if (!icloud.enabled() || icloud.answered(id) != State.PROVEN) {
            return "the copy in iCloud was never proven";
        }
        Item item = items.stream().filter(i -> i.id.equals(id)).findFirst().orElseThrow();
        if (!Files.isRegularFile(item.sorted)) {
            return "its archive copy is not there";
        }
        return null;
    }

    // ---- helpers -------------------------------------------------------------------------------

    String rel(Path p) {
        return p.startsWith(home) ? home.relativize(p).toString() : p.toString();
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    /** Every file and folder under the home but the database's and the reports', with what identifies its content. */
    Map<String, String> tree() {
        return disk.tree(home, FOLDERS);
    }
}
