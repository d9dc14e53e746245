package io.mediapipeline.scrub;

import io.mediapipeline.flow.CopySource;
import io.mediapipeline.flow.Durable;
import io.mediapipeline.flow.FileStore;
import io.mediapipeline.flow.GuardClosedException;
import io.mediapipeline.scrub.ScrubLedger.Item;
import io.mediapipeline.scrub.Scrubber.Copy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Puts back a damaged or lost original (or archive copy) from bytes that hash to the ledger's sha256: the file's own
 * good copy, another path the ledger knows of a different inode (duplicates/, trash/), or a {@link CopySource}. A
 * copy whose bytes hash to anything else (a compressed one) is refused. The good bytes go to a temp name beside the
 * damaged path and are verified on the disk; the damaged bytes are linked aside into quarantine/scrub/ (never
 * deleted); then the good copy takes the name in one rename, and every other path of the damaged inode is linked to it.
 */
final class Restorer {

    /** The copy sources in the registry now (another stage may bind one later). */
    @FunctionalInterface
    interface Sources {
        Collection<CopySource> get();
    }

    /** No copy with the original's bytes was found; the message says what was tried. */
    static final class NotRestorable extends Exception {
        NotRestorable(String message) {
            super(message);
        }
    }

    private final ScrubConfig config;
    private final ScrubLedger scrub;
    private final RateReader reader;
    private final Sources sources;
    private final Clock clock;

    Restorer(ScrubConfig config, ScrubLedger scrub, RateReader reader, Sources sources, Clock clock) {
        this.config = config;
        this.scrub = scrub;
        this.reader = reader;
        this.sources = sources;
        this.clock = clock;
    }

    /**
     * @param lost the bad copies, the original first when it is one of them
     * @param good the file's own copy (original or archive) that read right in this run, or null
     * @return where the good bytes came from
     */
    String restore(Item item, List<Copy> lost, Path good) throws IOException, NotRestorable {
        Copy first = lost.stream().filter(c -> c.role().equals("original")).findFirst().orElse(lost.get(0));
        Path target = first.path();
        Path tmp = prepare(target);
        String from;
        try {
            from = good != null ? fromOwn(item, good, tmp) : fromElsewhere(item, lost, tmp);
            Durable.makeReadOnly(tmp);
            Durable.syncFile(tmp);
            Set<Object> setAside = new HashSet<>();
            String asidePath = setAside(item, first, from, setAside);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Durable.syncDir(target.getParent());
            readsRight(item, target);
            scrub.restored(item.id(), target.toString(), from, asidePath);
            for (Copy other : lost) {
                if (other != first) {
                    String aside = setAside(item, other, from, setAside);
                    relink(item, target, other, first.inode());
                    if (!Files.isSameFile(other.path(), target)) {
                        readsRight(item, other.path());
                    }
                    scrub.restored(item.id(), other.path().toString(), target.toString(), aside);
                }
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return from;
    }

    /**
     * The temp name for a restore of target (unique, so no two writers can ever share one), after the root folder
     * target lies under is checked: a missing originals/ or sorted/ is an unmounted NAS, and a restore must not
     * create its folders on the bare mount point. Leftovers of a crashed restore of target go (the caller holds the
     * file's claim: no other scrubber is writing one).
     */
    private Path prepare(Path target) throws IOException {
        Path home = config.home().toAbsolutePath();
        Path abs = target.toAbsolutePath();
        if (abs.startsWith(home) && !abs.equals(home) && !Files.isDirectory(home.resolve(home.relativize(abs).getName(0)))) {
            throw new GuardClosedException(home.resolve(home.relativize(abs).getName(0))
                    + " is not a directory (the NAS not mounted?); " + target + " is not restored now");
        }
        Durable.createDirectories(target.getParent());
        String name = "." + target.getFileName();
        try (var leftovers = Files.list(target.getParent())) {
            for (Path p : leftovers.filter(p -> isTempOf(name, p.getFileName().toString())).toList()) {
                Files.deleteIfExists(p); // a crash's leftover: never referenced by the ledger
            }
        }
        return target.resolveSibling(name + "." + UUID.randomUUID() + FileStore.TEMP_SUFFIX);
    }

    /** Whether file is a restore's temp of the target named name: .name.mp-tmp (older runs) or .name.UUID.mp-tmp. */
    static boolean isTempOf(String name, String file) {
        if (!file.startsWith(name) || !file.endsWith(FileStore.TEMP_SUFFIX)) {
            return false;
        }
        String middle = file.substring(name.length(), file.length() - FileStore.TEMP_SUFFIX.length());
        return middle.isEmpty() || middle.length() == 37 && middle.charAt(0) == '.' && middle.substring(1)
                .matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    }

    /** The restored name, read again after the rename: only bytes the disk has under that name count as restored. */
    private void readsRight(Item item, Path target) throws IOException, NotRestorable {
        RateReader.Digest d = reader.hash(target);
        if (!d.sha256().equals(item.sha256())) {
            throw new NotRestorable(target + " reads " + d.size() + " bytes hashing to " + d.sha256().substring(0, 12)
                    + " after the restore's rename (another writer?)");
        }
    }

    /** The file's other copy read right: linked (one inode, as organize makes it) or copied and verified. */
    private String fromOwn(Item item, Path good, Path tmp) throws IOException, NotRestorable {
        if (config.linkArchive()) {
            Files.createLink(tmp, good);
            return good.toString();
        }
        Optional<String> copied = copyVerified(item, good, tmp);
        if (copied.isPresent()) {
            throw new NotRestorable(good + " changed while it was copied: " + copied.get());
        }
        return good.toString();
    }

    /** Another path the ledger knows (of another inode), then every copy source, until one hashes right. */
    private String fromElsewhere(Item item, List<Copy> lost, Path tmp) throws IOException, NotRestorable {
        Set<Object> damaged = new HashSet<>();
        lost.forEach(c -> damaged.add(c.inode()));
        List<String> tried = new ArrayList<>();
        for (String known : scrub.alternatives(item.id())) {
            Path p = known.startsWith("trash:") ? config.home().resolve(known.substring(6)) : Path.of(known);
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                tried.add(p + ": not there");
                continue;
            }
            if (!a.isRegularFile() || a.size() != item.size() || damaged.contains(a.fileKey())) {
                tried.add(p + (a.isRegularFile() && a.size() != item.size() ? ": " + a.size() + " bytes"
                        : ": not a separate regular file"));
                continue;
            }
            Optional<String> wrong = copyVerified(item, p, tmp);
            if (wrong.isEmpty()) {
                return p.toString();
            }
            tried.add(p + ": " + wrong.get());
            Files.deleteIfExists(tmp);
        }
        for (CopySource source : sources.get()) {
            Files.deleteIfExists(tmp);
            Optional<String> where = source.fetch(item.id(), item.sha256(), item.size(), tmp);
            if (where.isEmpty()) {
                tried.add(source.name() + ": holds no copy");
                continue;
            }
            if (!Files.isRegularFile(tmp, LinkOption.NOFOLLOW_LINKS)) {
                tried.add(source.name() + ": wrote nothing");
                continue;
            }
            RateReader.Digest d = reader.hash(tmp);
            if (d.sha256().equals(item.sha256())) {
                return source.name() + ": " + where.get();
            }
            // a transformed copy (a compressed one) is never taken for the original
            tried.add(source.name() + " (" + where.get() + "): " + d.size() + " bytes hashing to "
                    + d.sha256().substring(0, 12) + ", not the original");
            Files.deleteIfExists(tmp);
        }
        throw new NotRestorable(tried.isEmpty() ? "no other copy is known" : "tried " + String.join("; ", tried));
    }

    /** Copies source to the new file tmp through SHA-256; empty when the bytes are the original's, else what they were. */
    private Optional<String> copyVerified(Item item, Path source, Path tmp) throws IOException {
        RateReader.Digest d;
        try (InputStream in = Files.newInputStream(source);
             OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            d = reader.copy(in, out);
        }
        Durable.syncFile(tmp);
        // read back from the disk's copy, not from what was meant to be written
        RateReader.Digest written = reader.hash(tmp);
        if (d.sha256().equals(item.sha256()) && written.sha256().equals(item.sha256())) {
            return Optional.empty();
        }
        return Optional.of(written.size() + " bytes hashing to " + written.sha256().substring(0, 12) + ", not the original");
    }

    /**
     * Links the damaged bytes into quarantine/scrub/&lt;date&gt;/&lt;path under pipeline.home&gt; with a .reason.txt
     * beside them (once per inode); null when the copy had vanished. The finding names the place before the link is
     * made, so nothing the scrub puts anywhere is ever without its ledger row.
     */
    private String setAside(Item item, Copy bad, String from, Set<Object> done) throws IOException {
        if (bad.inode() == null || !Files.exists(bad.path(), LinkOption.NOFOLLOW_LINKS) || !done.add(bad.inode())) {
            return null;
        }
        Path home = config.home().toAbsolutePath();
        Path abs = bad.path().toAbsolutePath();
        Path rel = abs.startsWith(home) ? home.relativize(abs) : abs.getRoot().relativize(abs);
        Path dir = home.resolve("quarantine").resolve("scrub").resolve(LocalDate.now(clock.withZone(ZoneOffset.UTC)).toString());
        Path aside = dir.resolve(rel);
        for (int n = 1; Files.exists(aside, LinkOption.NOFOLLOW_LINKS) && !Files.isSameFile(aside, bad.path()); n++) {
            aside = dir.resolve(rel + "_" + n);
        }
        Durable.createDirectories(aside.getParent());
        scrub.settingAside(item.id(), bad.path().toString(), aside.toString());
        if (!Files.exists(aside, LinkOption.NOFOLLOW_LINKS)) { // else linked there by a restore a crash interrupted
            try {
                Files.createLink(aside, bad.path());
            } catch (IOException | UnsupportedOperationException e) {
                Files.copy(bad.path(), aside, StandardCopyOption.COPY_ATTRIBUTES);
                Durable.syncFile(aside);
            }
        }
        Path reason = aside.resolveSibling(aside.getFileName() + ".reason.txt");
        Files.writeString(reason,
                "scrub " + clock.instant() + ": " + bad.finding().kind() + " " + bad.role() + " copy " + abs + " ("
                        + bad.finding().detail() + "); expected sha256 " + bad.finding().expectedSha256()
                        + "; replaced by bytes from " + from + "\n", StandardCharsets.UTF_8);
        Durable.syncFile(reason);
        Durable.syncDir(aside.getParent());
        return aside.toString();
    }

    /** Another lost path of the file: a link of the restored one when it was a link of the damaged inode (or lost in
     * link mode), else a verified copy; in place by one rename. */
    private void relink(Item item, Path restored, Copy other, Object damagedInode) throws IOException {
        Path target = other.path();
        Path tmp = prepare(target);
        try {
            boolean link = config.linkArchive() || other.inode() != null && other.inode().equals(damagedInode);
            if (link) {
                Files.createLink(tmp, restored);
            } else if (copyVerified(item, restored, tmp).isPresent()) {
                throw new IOException("the restored " + restored + " did not copy right to " + target);
            } else {
                Durable.makeReadOnly(tmp);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Durable.syncDir(target.getParent());
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
