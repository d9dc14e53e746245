package io.mediapipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.ingest.Ingest;
import io.mediapipeline.ingest.IngestBatch;
import io.mediapipeline.ledger.LedgerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A rescan's merge of the walk with the ledger's keys: found by path, size and time, and safe when the read fails. */
class RegisteredTest {

    @TempDir
    Path tmp;

    @Test
    void findsEachFileWhoseKeyTheLedgerHoldsAndLeavesTheRestToIngest() throws IOException {
        IngestBatch.Input a = file("a.jpg", "a");
        IngestBatch.Input b = file("b.jpg", "b");
        IngestBatch.Input c = file("c.jpg", "c");
        IngestBatch.Input d = file("d.jpg", "d");
        // d is registered with another size: the file changed since
        String changedD = Ingest.sourceKey("backfill", d.file(), 99, d.seen().lastModifiedTime().toMillis());
        Backfill.Registered registered = new Backfill.Registered(List.of(key(a), key(c), changedD).iterator());

        assertThat(Stream.of(a, b, c, d).map(registered::has).toList()).containsExactly(true, false, true, false);
    }

    @Test
    void aFileReachedThroughALinkIsLeftToIngestsLookUp() throws IOException {
        IngestBatch.Input a = file("a.jpg", "a");
        Backfill.Registered registered = new Backfill.Registered(List.of(key(a)).iterator());

        assertThat(registered.has(new IngestBatch.Input(a.file(), "backfill", false, null))).isFalse();
    }

    @Test
    void aReadThatFailsEndsThePassWithoutFailingTheBackfill() throws IOException {
        IngestBatch.Input a = file("a.jpg", "a");
        IngestBatch.Input b = file("b.jpg", "b");
        // the first key comes, the next page cannot be read
        Backfill.Registered halfway = new Backfill.Registered(failingAfter(List.of(key(a))));
        assertThat(Stream.of(a, b).map(halfway::has).toList()).containsExactly(true, false);

        Backfill.Registered atOnce = new Backfill.Registered(failingAfter(List.of()));
        assertThat(Stream.of(a, b).map(atOnce::has).toList()).containsExactly(false, false);
    }

    private IngestBatch.Input file(String name, String content) throws IOException {
        Path f = Files.writeString(tmp.resolve(name), content);
        return new IngestBatch.Input(f, "backfill", false,
                Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
    }

    private static String key(IngestBatch.Input in) {
        return Ingest.sourceKey("backfill", in.file(), in.seen().size(), in.seen().lastModifiedTime().toMillis());
    }

    private static Iterator<String> failingAfter(List<String> keys) {
        Iterator<String> first = keys.iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                if (first.hasNext()) {
                    return true;
                }
                throw new LedgerException("reading the finished inputs: connection refused", null);
            }

            @Override
            public String next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return first.next();
            }
        };
    }
}
