package io.mediapipeline.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.flow.Handoff;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.ledger.BatchLedger;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.ledger.LedgerException;
import io.mediapipeline.media.BadMediaException;
import io.mediapipeline.media.ExifTool;
import io.mediapipeline.media.Hasher;
import io.mediapipeline.media.MediaProbe;
import io.mediapipeline.support.DiskSyncs;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * Ingest's batch steps against a real ledger and real files: what lands where, which rows commit, a commit that
 * fails (nothing recorded, the rerun finishes without doubles), bad files in a batch, and the rescan that looks each
 * batch up once.
 */
class IngestBatchTest {

    @TempDir
    static Path shared;

    private static Database db;
    private static ExifTool exif;
    private static MediaProbe probe;

    @TempDir
    Path tmp;

    private Path home;
    private Path library;
    private final AtomicInteger statements = new AtomicInteger();
    private final AtomicBoolean failCommit = new AtomicBoolean();
    /** The mark {@link DiskSyncs} gets when a transaction that inserted media_files rows commits. */
    private static final String ORIGINALS_COMMIT = "commit naming originals";
    /** Recording commits that pass before failCommit fails one. */
    private final AtomicInteger passingCommits = new AtomicInteger();

    @BeforeAll
    static void open() {
        db = new PipelineHome(shared).openLedger();
        exif = new ExifTool();
        probe = new MediaProbe(exif, "ffprobe", "ffmpeg", ZoneId.of("UTC"));
    }

    @AfterAll
    static void close() {
        if (exif != null) {
            exif.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @BeforeEach
    void clean() throws IOException {
        home = Files.createDirectories(tmp.resolve("home"));
        library = Files.createDirectories(tmp.resolve("library"));
        new JdbcTemplate(db.dataSource()).execute(
                "truncate media_files, source_files, duplicate_files, file_events, pipeline_logs, runs cascade");
    }

    /** The batch steps on the {@link #counting} ledger. */
    private Ingest ingest;

    private IngestBatch steps(Handoff handoff) {
        return steps(handoff, (ledger, run) -> new Ingest(ledger, probe, run, home, true), null);
    }

    /** An Ingest made on the test's ledger and run. */
    private interface IngestMaker {
        Ingest make(Ledger ledger, RunContext run);
    }

    private IngestBatch steps(Handoff handoff, IngestMaker maker, LivePhotos livePhotos) {
        DataSource ds = counting();
        Ledger ledger = new Ledger(ds);
        RunContext run = new RunContext(ledger, "once", "test");
        ingest = maker.make(ledger, run);
        return new IngestBatch(ledger, ingest, null, livePhotos == null ? new LivePhotos(ds) : livePhotos, handoff,
                run, 2);
    }

    /** The ledger, counting prepared statements, and failing the commit of a batch's rows when asked. */
    private DataSource counting() {
        return new DelegatingDataSource(db.dataSource()) {
            @Override
            public Connection getConnection() throws SQLException {
                Connection real = super.getConnection();
                AtomicBoolean recording = new AtomicBoolean();
                AtomicBoolean namesOriginals = new AtomicBoolean();
                return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
                        (proxy, method, args) -> {
                            if (method.getName().startsWith("prepare")) {
                                statements.incrementAndGet();
                                recording.compareAndSet(false, ((String) args[0]).contains("insert into source_files"));
                                namesOriginals.compareAndSet(false, ((String) args[0]).contains("insert into media_files"));
                            }
                            if (method.getName().equals("commit") && namesOriginals.get()) {
                                DiskSyncs.mark(ORIGINALS_COMMIT);
                            }
                            // the transaction that records the batch, not one of its look-ups
                            if (method.getName().equals("commit") && recording.get() && failCommit.get()
                                    && passingCommits.getAndDecrement() <= 0 && failCommit.getAndSet(false)) {
                                real.rollback(); // as a server that lost the connection: the transaction is gone
                                throw new SQLException("connection lost while committing");
                            }
                            try {
                                return method.invoke(real, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
            }
        };
    }

    private static List<IngestBatch.Input> inputs(List<Path> files, String source) {
        return files.stream().map(f -> new IngestBatch.Input(f, source, false)).toList();
    }

    private List<Map<String, Object>> rows(String sql) {
        return new Ledger(db.dataSource()).rows(sql);
    }

    private static List<Path> filesUnder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        }
    }

    /** Two photos, a copy of the first in a subfolder, and a file that is not a photo at all. */
    private List<Path> mixedBatch() throws IOException {
        List<Path> photos = new ArrayList<>(Tools.photos(library, "img", 2, "2024:05:06 07:08:09"));
        Path copy = Files.createDirectories(library.resolve("again")).resolve("copy.jpg");
        Files.copy(photos.get(0), copy);
        Path bad = Files.writeString(library.resolve("notes.jpg"), "not a photo at all");
        return List.of(photos.get(0), photos.get(1), copy, bad);
    }

    @Test
    void aBatchIsPlacedRecordedAndHandedOnWhileItsBadFileFailsAlone() throws IOException {
        List<Path> files = mixedBatch();
        Handoff handoff = new Handoff(home.resolve("work"), List.of("organize"));

        List<BatchItem> items = steps(handoff).run(inputs(files, "folder"), IngestBatch.Placement.STORE);

        assertThat(items).extracting(BatchItem::status).containsExactly(IngestBatch.Status.NEW, IngestBatch.Status.NEW,
                IngestBatch.Status.DUPLICATE, IngestBatch.Status.FAILED);
        assertThat(items.get(3).failure()).isInstanceOf(BadMediaException.class);
        List<Path> originals = filesUnder(home.resolve("originals"));
        assertThat(originals).hasSize(2).allSatisfy(p -> assertThat(p.toString()).contains("/2024/05/20240506_070809_"));
        assertThat(originals.stream().map(PipelineHome::sha))
                .containsExactlyInAnyOrder(Hasher.sha256(files.get(0)), Hasher.sha256(files.get(1)));
        assertThat(filesUnder(home.resolve("duplicates"))).singleElement()
                .satisfies(d -> assertThat(d.getFileName().toString()).endsWith("_copy.jpg"));
        assertThat(filesUnder(home.resolve("work/organize"))).hasSize(2);
        assertThat(rows("select status from media_files")).extracting(r -> r.get("status"))
                .containsExactly("ingested", "ingested");
        assertThat(rows("select source_path, disposition from source_files order by source_path"))
                .extracting(r -> r.get("source_path") + " " + r.get("disposition"))
                .as("the bad file has no row: the route's error handler quarantines it by itself")
                .containsExactly(files.get(2) + " duplicate", files.get(0) + " imported", files.get(1) + " imported");
        assertThat(rows("select 1 from duplicate_files where kind = 'exact'")).hasSize(1);
    }

    @Test
    void anOriginalsNewNameIsForcedToTheDiskBeforeTheRowThatNamesItCommits() throws IOException {
        List<Path> photos = Tools.photos(library, "img", 2, "2024:05:06 07:08:09");
        Handoff handoff = new Handoff(home.resolve("work"), List.of("organize"));
        try (DiskSyncs syncs = DiskSyncs.record()) {
            steps(handoff).run(inputs(photos, "folder"), IngestBatch.Placement.STORE);

            Instant commit = syncs.firstMark(ORIGINALS_COMMIT).orElseThrow(
                    () -> new AssertionError("no commit recorded the originals")).start();
            // a power cut after the commit must not take a name the ledger points at: its folder was forced first
            assertThat(filesUnder(home.resolve("originals"))).hasSize(2).allSatisfy(o ->
                    assertThat(syncs.forcedBefore(o.getParent(), commit)).as("%s forced before the commit", o.getParent())
                            .isTrue());
        }
    }

    @Test
    void aFailedCommitRecordsNothingAndTheRerunFinishesWithoutDoubles() throws IOException {
        List<Path> files = mixedBatch().subList(0, 3);
        IngestBatch steps = steps(new Handoff(home.resolve("work"), List.of("organize")));

        failCommit.set(true);
        assertThatThrownBy(() -> steps.run(inputs(files, "folder"), IngestBatch.Placement.STORE))
                .isInstanceOf(LedgerException.class);
        assertThat(rows("select 1 from media_files")).as("no row without its commit").isEmpty();
        assertThat(rows("select 1 from source_files")).isEmpty();
        assertThat(filesUnder(home.resolve("work"))).as("nothing handed on before the commit").isEmpty();
        assertThat(filesUnder(home.resolve("originals"))).as("placed, durable, not yet recorded").hasSize(2);

        List<BatchItem> again = steps.run(inputs(files, "folder"), IngestBatch.Placement.STORE);

        assertThat(again).extracting(BatchItem::status).containsExactly(IngestBatch.Status.NEW, IngestBatch.Status.NEW,
                IngestBatch.Status.DUPLICATE);
        assertThat(filesUnder(home.resolve("originals"))).as("the same two originals, not doubled").hasSize(2);
        assertThat(filesUnder(home.resolve("duplicates"))).hasSize(1);
        assertThat(rows("select original_path from media_files")).extracting(r -> Path.of((String) r.get("original_path")))
                .containsExactlyInAnyOrderElementsOf(filesUnder(home.resolve("originals")));
        assertThat(rows("select 1 from source_files")).hasSize(3);

        List<BatchItem> third = steps.run(inputs(files, "folder"), IngestBatch.Placement.STORE);
        assertThat(third).extracting(BatchItem::status).containsOnly(IngestBatch.Status.DONE_BEFORE);
    }

    @Test
    void aBackfillRegistersInPlaceAndARescanLooksEachBatchUpOnce() throws IOException {
        List<Path> files = new ArrayList<>(Tools.photos(library, "old", 12, "2019:01:02 03:04:05"));
        Path broken = Files.write(library.resolve("broken.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3});
        files.add(broken);
        IngestBatch steps = steps(null);

        List<BatchItem> first = steps.run(inputs(files, "backfill"), IngestBatch.Placement.IN_PLACE);

        assertThat(first).filteredOn(i -> i.status() == IngestBatch.Status.NEW).hasSize(12);
        assertThat(rows("select archive_path, original_path, status from media_files"))
                .hasSize(12).allSatisfy(r -> {
                    assertThat(r.get("status")).isEqualTo("archived");
                    assertThat(r.get("archive_path")).isEqualTo(r.get("original_path"));
                    assertThat(Path.of((String) r.get("archive_path")).getParent()).isEqualTo(library);
                });
        assertThat(rows("select place, reason from source_files where disposition = 'quarantined'")).singleElement()
                .satisfies(r -> assertThat(r.get("place")).isEqualTo(broken.toString()));
        assertThat(filesUnder(home)).as("backfill places nothing").isEmpty();
        int rowsBefore = rows("select 1 from source_files").size();

        statements.set(0);
        List<BatchItem> rescan = steps.run(inputs(files, "backfill"), IngestBatch.Placement.IN_PLACE);

        assertThat(rescan).extracting(BatchItem::status).containsOnly(IngestBatch.Status.DONE_BEFORE);
        assertThat(statements.get()).as("one look-up for the whole batch of " + files.size()).isEqualTo(1);
        assertThat(rows("select 1 from source_files")).hasSize(rowsBefore);
    }

    /** The exchange taken by the window on a source's thread; what it threw, or null. */
    private static Future<Exception> taking(ExecutorService sources, BatchWindow window, Exchange ex) {
        return sources.submit(() -> {
            try {
                window.take(ex);
                return null;
            } catch (Exception e) {
                return e;
            }
        });
    }

    @Test
    void theFilesInFlightFormOneBatchAndABadOneFailsOnlyItsOwnExchange() throws Exception {
        List<Path> files = mixedBatch();
        BatchWindow window = new BatchWindow(steps(new Handoff(home.resolve("work"), List.of())), ingest, files.size(),
                60_000);
        CamelContext camel = new DefaultCamelContext();
        List<Exchange> exchanges = new ArrayList<>();
        List<Future<Exception>> outcomes = new ArrayList<>();
        ExecutorService sources = Executors.newFixedThreadPool(files.size());
        try {
            for (Path f : files) {
                Exchange ex = new DefaultExchange(camel);
                ex.getIn().setHeader(Exchange.FILE_PATH, f.toString());
                ex.setProperty(Ingest.SOURCE, "folder");
                exchanges.add(ex);
                outcomes.add(taking(sources, window, ex));
            }
            for (int i = 0; i < 3; i++) {
                assertThat(outcomes.get(i).get(30, TimeUnit.SECONDS)).isNull();
            }
            assertThat(outcomes.get(3).get(30, TimeUnit.SECONDS)).isInstanceOf(BadMediaException.class);
        } finally {
            sources.shutdownNow();
        }
        assertThat(exchanges.get(2).getIn().getHeader(BatchWindow.DUPLICATE, Boolean.class)).isTrue();
        assertThat(exchanges.get(0).getIn().getHeader(BatchWindow.DUPLICATE, Boolean.class)).isFalse();
        assertThat(exchanges.get(3).getProperty(Ingest.SOURCE_FILE_ID, Long.class))
                .as("the bad file is admitted on its own, so the error handler can quarantine it against its row")
                .isNotNull();
        // now() is the transaction's start: the three good inputs share it, so they were recorded together
        assertThat(rows("select distinct created_at from source_files where disposition <> 'pending'")).hasSize(1);
        assertThat(rows("select 1 from source_files where disposition <> 'pending'")).hasSize(3);
    }

    @Test
    void theFolderSourceRemembersWhatItsBatchesRecordedWithOneQuery() throws IOException {
        List<Path> files = mixedBatch();
        steps(new Handoff(home.resolve("work"), List.of())).run(inputs(files, "folder"), IngestBatch.Placement.STORE);

        statements.set(0);
        FolderImports imports = new FolderImports(new BatchLedger(counting()), "folder");
        for (Path f : files) {
            String key = f + "|" + Files.size(f) + "|" + Files.getLastModifiedTime(f).toMillis();
            assertThat(imports.contains(key)).as(f.getFileName() + " remembered")
                    .isEqualTo(!f.getFileName().toString().equals("notes.jpg"));
        }
        assertThat(statements.get()).as("one query for every file of the folder").isEqualTo(1);
        assertThat(imports.contains("/elsewhere/new.jpg|1|2")).isFalse();
    }

    @Test
    void aFailureAfterTheCommitFailsNoInputAndEveryOriginalIsStillHandedOn() throws IOException {
        List<Path> files = Tools.photos(library, "img", 2, "2024:05:06 07:08:09");
        Handoff handoff = new Handoff(home.resolve("work"), List.of("organize", "compress")) {
            @Override
            public void sendAll(String stage, List<Queued> originals) throws IOException {
                if (stage.equals("organize")) {
                    throw new IOException("work/organize is not writable");
                }
                super.sendAll(stage, originals);
            }
        };
        LivePhotos pairing = new LivePhotos(db.dataSource()) {
            @Override
            public List<java.util.UUID> pairAll(List<Half> halves) {
                throw new LedgerException("the ledger went away while pairing", null);
            }
        };
        IngestBatch steps = steps(handoff, (ledger, run) -> new Ingest(ledger, probe, run, home, true), pairing);

        List<BatchItem> items = steps.run(inputs(files, "folder"), IngestBatch.Placement.STORE);

        assertThat(items).extracting(BatchItem::status).containsOnly(IngestBatch.Status.NEW);
        assertThat(filesUnder(home.resolve("work/compress"))).as("handed on although pairing and organize failed")
                .hasSize(2);
        assertThat(rows("select message from pipeline_logs where level = 'warn'")).extracting(r -> (String) r.get("message"))
                .anySatisfy(m -> assertThat(m).contains("hand-off to organize").contains("start-up requeue"))
                .anySatisfy(m -> assertThat(m).contains("Live Photo pairing"));
    }

    /** An Ingest whose files named poison* carry a content identifier PostgreSQL text refuses (a NUL byte). */
    private Ingest poisoning(Ledger ledger, RunContext run) {
        return new Ingest(ledger, probe, run, home, true) {
            @Override
            public io.mediapipeline.media.MediaInfo inspect(Path file) throws IOException, BadMediaException {
                io.mediapipeline.media.MediaInfo i = super.inspect(file);
                if (!file.getFileName().toString().startsWith("poison")) {
                    return i;
                }
                return new io.mediapipeline.media.MediaInfo(i.kind(), i.format(), i.extension(), i.mimeType(), i.width(),
                        i.height(), i.durationSeconds(), i.rotation(), i.hasGps(), i.latitude(), i.longitude(),
                        i.captureTime(), i.make(), i.model(), "bad\u0000id");
            }
        };
    }

    private List<Path> batchWithPoison() throws IOException {
        List<Path> files = new ArrayList<>(Tools.photos(library, "img", 2, "2024:05:06 07:08:09"));
        Path other = Tools.photos(Files.createDirectories(library.resolve("p")), "x", 1, "2023:01:02 03:04:05").get(0);
        files.add(1, Files.move(other, library.resolve("poison.jpg")));
        return files;
    }

    @Test
    void aRowTheLedgerRefusesFailsOnlyItsOwnInputAndIsCountedAgainstIt() throws IOException {
        List<Path> files = batchWithPoison();
        IngestBatch steps = steps(new Handoff(home.resolve("work"), List.of("organize")), this::poisoning, null);

        List<BatchItem> items = steps.run(inputs(files, "folder"), IngestBatch.Placement.STORE);

        assertThat(items).extracting(BatchItem::status).containsExactly(IngestBatch.Status.NEW, IngestBatch.Status.FAILED,
                IngestBatch.Status.NEW);
        assertThat(items.get(1).failure()).as("counted by RepeatedFailures, so quarantined after max-attempts")
                .isInstanceOf(IOException.class).hasMessageContaining("refused");
        assertThat(rows("select 1 from media_files where status = 'ingested'")).hasSize(2);
        String poison = Hasher.sha256(files.get(1));
        assertThat(filesUnder(home.resolve("originals"))).as("the refused file's copy is not left without a row")
                .hasSize(2).noneMatch(p -> PipelineHome.sha(p).equals(poison));
        assertThat(filesUnder(home.resolve("work/organize"))).hasSize(2);

        List<BatchItem> again = steps.run(inputs(files, "folder"), IngestBatch.Placement.STORE);
        assertThat(again).extracting(BatchItem::status).containsExactly(IngestBatch.Status.DONE_BEFORE,
                IngestBatch.Status.FAILED, IngestBatch.Status.DONE_BEFORE);
    }

    @Test
    void anOriginalCommittedAloneIsHandedOnWhenTheConnectionIsLostAfterIt() throws IOException {
        List<Path> files = batchWithPoison();
        IngestBatch steps = steps(new Handoff(home.resolve("work"), List.of("organize")), this::poisoning, null);
        failCommit.set(true);
        passingCommits.set(1); // refused as a batch; then the first input's own commit passes, the last one's is lost

        assertThatThrownBy(() -> steps.run(inputs(files, "folder"), IngestBatch.Placement.STORE))
                .isInstanceOf(LedgerException.class);

        assertThat(rows("select 1 from media_files where status = 'ingested'")).hasSize(1);
        assertThat(filesUnder(home.resolve("work/organize"))).as("recorded, so handed on at once").hasSize(1);
        List<BatchItem> again = steps.run(inputs(files, "folder"), IngestBatch.Placement.STORE);
        assertThat(again).extracting(BatchItem::status).containsExactly(IngestBatch.Status.DONE_BEFORE,
                IngestBatch.Status.FAILED, IngestBatch.Status.NEW);
        assertThat(filesUnder(home.resolve("work/organize"))).hasSize(2);
    }

    @Test
    void aBackfillQuarantinesTheRowTheLedgerRefusesInPlaceAndGoesOn() throws IOException {
        List<Path> files = batchWithPoison();
        IngestBatch steps = steps(null, this::poisoning, null);

        List<BatchItem> items = steps.run(inputs(files, "backfill"), IngestBatch.Placement.IN_PLACE);

        assertThat(items).extracting(BatchItem::status).containsExactly(IngestBatch.Status.NEW,
                IngestBatch.Status.QUARANTINED, IngestBatch.Status.NEW);
        assertThat(rows("select 1 from media_files where status = 'archived'")).hasSize(2);
        assertThat(rows("select place, reason from source_files where disposition = 'quarantined'")).singleElement()
                .satisfies(r -> {
                    assertThat(r.get("place")).isEqualTo(files.get(1).toString());
                    assertThat((String) r.get("reason")).contains("refused");
                });
        assertThat(steps.run(inputs(files, "backfill"), IngestBatch.Placement.IN_PLACE)).extracting(BatchItem::status)
                .containsOnly(IngestBatch.Status.DONE_BEFORE);
    }

    @Test
    void aCopyWhoseFirstCopyFailsPlacingBecomesTheOriginal() throws IOException {
        Path photo = Tools.photos(library, "img", 1, "2024:05:06 07:08:09").get(0);
        Path first = Files.move(photo, library.resolve("first.jpg"));
        Path copy = Files.copy(first, Files.createDirectories(library.resolve("again")).resolve("copy.jpg"));
        IngestBatch steps = steps(new Handoff(home.resolve("work"), List.of("organize")),
                (ledger, run) -> new Ingest(ledger, probe, run, home, true) {
                    @Override
                    public Path placeOriginal(Path file, String sha, io.mediapipeline.media.MediaInfo info,
                                              boolean mayLink) throws IOException {
                        if (file.equals(first)) {
                            throw new IOException("first.jpg: read error");
                        }
                        return super.placeOriginal(file, sha, info, mayLink);
                    }
                }, null);

        List<BatchItem> items = steps.run(inputs(List.of(first, copy), "folder"), IngestBatch.Placement.STORE);

        assertThat(items).extracting(BatchItem::status).containsExactly(IngestBatch.Status.FAILED,
                IngestBatch.Status.NEW);
        assertThat(filesUnder(home.resolve("duplicates"))).as("its copy in duplicates/ is not left without a row")
                .isEmpty();
        Path original = filesUnder(home.resolve("originals")).get(0);
        assertThat(PipelineHome.sha(original)).isEqualTo(Hasher.sha256(copy));
        assertThat(rows("select original_path from media_files")).singleElement()
                .satisfies(r -> assertThat(r.get("original_path")).isEqualTo(original.toString()));
        assertThat(rows("select source_path, disposition from source_files")).singleElement()
                .satisfies(r -> assertThat(r.get("source_path") + " " + r.get("disposition"))
                        .isEqualTo(copy + " imported"));
        assertThat(filesUnder(home.resolve("work/organize"))).hasSize(1);
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> RuntimeException sneaky(Throwable t) throws T {
        throw (T) t;
    }

    /**
     * Another writer records the same content (from another folder, placed as it places) while this batch places its
     * original, after this batch's look-up: the commit finds it and the batch is decided again.
     */
    private List<BatchItem> recordedMeanwhile(IngestBatch.Placement theirs) throws IOException {
        Path first = Tools.photos(library, "img", 1, "2024:05:06 07:08:09").get(0);
        Path elsewhere = Files.copy(first, Files.createDirectories(library.resolve("other")).resolve("elsewhere.jpg"));
        Ledger ledger = new Ledger(db.dataSource());
        IngestBatch other = new IngestBatch(ledger, new Ingest(ledger, probe, new RunContext(ledger, "once", "other"),
                home, true), null, null, null, new RunContext(ledger, "once", "other"), 1);
        AtomicBoolean raced = new AtomicBoolean();
        IngestBatch steps = steps(new Handoff(home.resolve("work"), List.of("organize")),
                (l, run) -> new Ingest(l, probe, run, home, true) {
                    @Override
                    public Path placeOriginal(Path file, String sha, io.mediapipeline.media.MediaInfo info,
                                              boolean mayLink) throws IOException {
                        if (!raced.getAndSet(true)) {
                            other.run(inputs(List.of(elsewhere), "folder"), theirs);
                        }
                        return super.placeOriginal(file, sha, info, mayLink);
                    }
                }, null);
        try (other; steps) {
            return steps.run(inputs(List.of(first), "folder"), IngestBatch.Placement.STORE);
        }
    }

    @Test
    void contentAnotherWriterRecordedMeanwhileBecomesACopyOfItsRow() throws IOException {
        List<BatchItem> items = recordedMeanwhile(IngestBatch.Placement.STORE);
        Path first = items.get(0).input().file();
        Path elsewhere = library.resolve("other/elsewhere.jpg");

        assertThat(items).extracting(BatchItem::status).containsExactly(IngestBatch.Status.DUPLICATE);
        Path original = filesUnder(home.resolve("originals")).get(0);
        assertThat(filesUnder(home.resolve("originals"))).as("the other writer's original (same name) is kept")
                .containsExactly(original);
        assertThat(PipelineHome.sha(original)).isEqualTo(Hasher.sha256(first));
        assertThat(rows("select original_path from media_files")).singleElement()
                .satisfies(r -> assertThat(r.get("original_path")).isEqualTo(original.toString()));
        assertThat(filesUnder(home.resolve("duplicates"))).singleElement()
                .satisfies(d -> assertThat(PipelineHome.sha(d)).isEqualTo(Hasher.sha256(first)));
        assertThat(rows("select source_path, disposition from source_files order by source_path"))
                .extracting(r -> r.get("source_path") + " " + r.get("disposition"))
                .containsExactly(first + " duplicate", elsewhere + " imported");
        assertThat(rows("select 1 from duplicate_files where kind = 'exact'")).hasSize(1);
        assertThat(filesUnder(home.resolve("work/organize"))).as("a copy is not handed on").isEmpty();
    }

    @Test
    void anOriginalPlacedForContentRegisteredMeanwhileInPlaceIsRemoved() throws IOException {
        List<BatchItem> items = recordedMeanwhile(IngestBatch.Placement.IN_PLACE);
        Path elsewhere = library.resolve("other/elsewhere.jpg");

        assertThat(items).extracting(BatchItem::status).containsExactly(IngestBatch.Status.DUPLICATE);
        assertThat(filesUnder(home.resolve("originals"))).as("no row names it: not left as an orphan").isEmpty();
        assertThat(rows("select original_path from media_files")).singleElement()
                .satisfies(r -> assertThat(r.get("original_path")).isEqualTo(elsewhere.toString()));
        assertThat(Files.isRegularFile(elsewhere)).isTrue();
        assertThat(filesUnder(home.resolve("duplicates"))).hasSize(1);
    }

    @Test
    void aBatchFailingWithAnUndeclaredExceptionReleasesEveryWaitingExchange() throws Exception {
        List<Path> files = Tools.photos(library, "img", 2, "2024:05:06 07:08:09");
        DataSource ds = db.dataSource();
        Ledger ledger = new Ledger(ds);
        RunContext run = new RunContext(ledger, "once", "test");
        Ingest plain = new Ingest(ledger, probe, run, home, true);
        IngestBatch failing = new IngestBatch(ledger, plain, null, null, null, run, 1) {
            @Override
            public List<BatchItem> run(List<Input> batch, Placement placement) {
                throw sneaky(new Exception("undeclared"));
            }
        };
        BatchWindow window = new BatchWindow(failing, plain, files.size(), 60_000);
        CamelContext camel = new DefaultCamelContext();
        ExecutorService sources = Executors.newFixedThreadPool(files.size());
        try {
            List<Future<Exception>> outcomes = new ArrayList<>();
            for (Path f : files) {
                Exchange ex = new DefaultExchange(camel);
                ex.getIn().setHeader(Exchange.FILE_PATH, f.toString());
                outcomes.add(taking(sources, window, ex));
            }
            for (Future<Exception> outcome : outcomes) {
                assertThat(outcome.get(20, TimeUnit.SECONDS)).hasMessage("undeclared");
            }
        } finally {
            sources.shutdownNow();
        }
    }
}
