package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static io.mediapipeline.support.PipelineHome.query;
import static io.mediapipeline.support.PipelineHome.sha;
import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.ledger.Database;
import io.mediapipeline.demo.SampleLibrary;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged jar as an operator runs it: exit codes, messages, backfill, doctor, inbox, the demo library. */
class CommandLineIT {

    @TempDir
    Path tmp;

    record Result(int code, String output) {
    }

    static Result run(Path config, String... args) throws IOException, InterruptedException {
        return run(List.of(), config, args);
    }

    /**
     * As {@link #run}, without root's power to read and search what its modes forbid (when the tests run as root):
     * a mode 0000 file is then as unreadable to the app as it is to a service account.
     */
    static Result runUnprivileged(Path config, String... args) throws IOException, InterruptedException {
        return run("root".equals(System.getProperty("user.name"))
                ? List.of("setpriv", "--bounding-set=-dac_override,-dac_read_search",
                        "--inh-caps=-dac_override,-dac_read_search", "--")
                : List.of(), config, args);
    }

    private static Result run(List<String> prefix, Path config, String... args) throws IOException, InterruptedException {
        Path project = PipelineHome.projectDir();
        String jar = System.getProperty("pipeline.jar", project.resolve("target/media-pipeline.jar").toString());
        List<String> cmd = new java.util.ArrayList<>(prefix);
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dpipeline.app-home=" + project, "-jar", jar));
        cmd.addAll(List.of(args));
        if (config != null) {
            cmd.addAll(List.of("--config", config.toString()));
        }
        Process p = new ProcessBuilder(cmd).directory(project.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void badConfigurationStopsStartupNamingTheKey() throws Exception {
        Path cfg = tmp.resolve("bad.properties");
        Files.writeString(cfg, "pipeline.home=" + tmp.resolve("home") + "\npipeline.organise.mode=copy\n");
        Result r = run(cfg, "once");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.output()).contains("configuration error: unknown setting pipeline.organise.mode")
                .contains("did you mean pipeline.organize.mode");
        assertThat(tmp.resolve("home/state")).as("nothing started").doesNotExist();

        Files.writeString(cfg, "pipeline.home=" + tmp.resolve("home") + "\npipeline.ingest.parallelism=-2\n");
        r = run(cfg, "once");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.output()).contains("pipeline.ingest.parallelism");
    }

    @Test
    void doctorReportsToolsDatabaseAndDisk() throws Exception {
        PipelineHome pipeline = new PipelineHome(tmp);
        Result r = run(pipeline.config(), "doctor");
        assertThat(r.output()).contains("OK    ffmpeg").contains("OK    exiftool").contains("OK    database")
                .contains("PostgreSQL 17").contains("GiB free");
        assertThat(r.code()).as(r.output()).isEqualTo(0);

        Path cfg = tmp.resolve("broken-tools.properties");
        Files.writeString(cfg, "pipeline.home=" + tmp.resolve("home2") + "\npipeline.tools.exiftool=/nonexistent/exiftool\n"
                + "pipeline.db.embedded.binaries-dir=" + System.getProperty("pipeline.test.pg-cache", tmp.resolve("pg").toString()) + "\n");
        r = run(cfg, "doctor");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.output()).contains("FAIL  exiftool").contains("apt-get install libimage-exiftool-perl");
    }

    @Test
    void backfillRegistersAnArchiveWithoutTouchingItAndResumes() throws Exception {
        PipelineHome pipeline = new PipelineHome(tmp);
        Path archive = tmp.resolve("old-archive/2019");
        Files.createDirectories(archive);
        List<Path> photos = Tools.photos(archive, "scan_", 5, "2019:06:01 12:00:00");
        Files.copy(photos.get(0), archive.resolve("scan_copy.jpg"));
        Files.writeString(archive.resolve("notes.jpg"), "not a photo");
        Map<Path, String> before = snapshot(tmp.resolve("old-archive"));

        Result first = run(pipeline.config(), "backfill", tmp.resolve("old-archive").toString());
        assertThat(first.code()).as(first.output()).isEqualTo(3);
        assertThat(first.output()).contains("backfill: 7/7 files");
        assertThat(snapshot(tmp.resolve("old-archive"))).as("nothing moved or changed").isEqualTo(before);
        assertThat(files(pipeline.home().resolve("sorted"))).isEmpty();

        Result second = run(pipeline.config(), "backfill", tmp.resolve("old-archive").toString());
        assertThat(second.code()).isEqualTo(0);
        assertThat(second.output()).contains("(7 already registered, 7 of them found in one ordered read of the ledger)");

        try (Database db = pipeline.openLedger()) {
            List<Map<String, Object>> media = query(db, "select archive_path, original_path, status, sha256 from media_files");
            assertThat(media).hasSize(5).allSatisfy(m -> {
                assertThat(m.get("status")).isEqualTo("archived");
                assertThat(m.get("archive_path")).isEqualTo(m.get("original_path"));
                assertThat(sha(Path.of((String) m.get("archive_path")))).isEqualTo(m.get("sha256"));
            });
            assertThat(query(db, "select duplicate_path from duplicate_files where kind = 'exact'")).singleElement()
                    .satisfies(d -> assertThat(d.get("duplicate_path")).isEqualTo(archive.resolve("scan_copy.jpg").toString()));
            assertThat(query(db, "select reason from source_files where disposition = 'quarantined'")).singleElement()
                    .satisfies(q -> assertThat((String) q.get("reason")).contains("not a photo or video"));
        }
    }

    @Test
    void rescanFindsEveryRegisteredFileInOnePassAndTakesWhatChanged() throws Exception {
        PipelineHome pipeline = new PipelineHome(tmp);
        Path archive = tmp.resolve("archive");
        Files.createDirectories(archive.resolve("b/a"));
        // names whose order trips a plain sort: a file named like a folder, the keys' separator, accents, case, a
        // character above U+FFFF beside one just below it (UTF-16 and the ledger's code point order disagree there)
        List<String> names = List.of("b.jpg", "b/1.jpg", "b/a/2.jpg", "b-c.jpg", "b|1.jpg", "été.jpg", "Z.jpg", "z.jpg",
                "\uD83D\uDCF7.jpg", "\uFF08.jpg");
        List<Path> photos = Tools.photos(archive, "p_", names.size(), "2019:06:01 12:00:00");
        for (int i = 0; i < names.size(); i++) {
            Files.move(photos.get(i), archive.resolve(names.get(i)));
        }
        Result first = run(pipeline.config(), "backfill", archive.toString());
        assertThat(first.code()).as(first.output()).isZero();
        assertThat(first.output()).contains("backfill: 10/10 files (0 already registered");

        Result rescan = run(pipeline.config(), "backfill", archive.toString());
        assertThat(rescan.code()).as(rescan.output()).isZero();
        assertThat(rescan.output()).as("every file found by the ordered read, none left to ingest's look-up")
                .contains("(10 already registered, 10 of them found in one ordered read of the ledger)")
                .doesNotContain("Ingest batch:");

        // one file replaced by other content, one new file: those two, and only those, go through ingest again
        Path changed = archive.resolve("b/1.jpg");
        List<Path> fresh = Tools.photos(Files.createDirectories(tmp.resolve("fresh")), "f_", 2, "2020:01:01 10:00:00");
        String changedSha = sha(fresh.get(0));
        Files.copy(fresh.get(0), changed, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(changed, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        Path added = Files.copy(fresh.get(1), archive.resolve("b/new.jpg"));
        Result third = run(pipeline.config(), "backfill", archive.toString());
        assertThat(third.code()).as(third.output()).isZero();
        assertThat(third.output()).contains("backfill: 11/11 files (9 already registered, 9 of them found in one ordered read")
                .contains("Ingest batch: 2 inputs, 2 new");
        try (Database db = pipeline.openLedger()) {
            assertThat(query(db, "select sha256 from media_files where original_path = ?", changed.toString()))
                    .extracting(m -> m.get("sha256")).as("the new content of the changed file").contains(changedSha);
            assertThat(query(db, "select sha256 from media_files where original_path = ?", added.toString()))
                    .extracting(m -> m.get("sha256")).containsExactly(sha(fresh.get(1)));
            long size = Files.size(changed);
            long mtime = Files.getLastModifiedTime(changed).toMillis();
            assertThat(query(db, "select disposition from source_files where source_key = ?",
                    "backfill:" + changed + "|" + size + "|" + mtime)).extracting(m -> m.get("disposition"))
                    .containsExactly("imported");
        }
    }

    @Test
    void backfillStoppedByAFolderItCannotReadKeepsWhatItRegistered() throws Exception {
        // the files walked before the folder that stops the walk are registered, though they fill no whole batch
        PipelineHome pipeline = new PipelineHome(tmp);
        Path archive = Files.createDirectories(tmp.resolve("archive"));
        Tools.photos(archive, "a_", 3, "2019:06:01 12:00:00");
        Path locked = Files.createDirectories(archive.resolve("zz-locked"));
        Files.writeString(locked.resolve("x.jpg"), "x");
        Files.setPosixFilePermissions(locked, java.util.Set.of());
        try {
            Result r = runUnprivileged(pipeline.config(), "backfill", archive.toString());
            assertThat(r.code()).as(r.output()).isEqualTo(1);
            assertThat(r.output()).contains(locked.toString());
        } finally {
            Files.setPosixFilePermissions(locked, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
        try (Database db = pipeline.openLedger()) {
            assertThat(query(db, "select source_path from source_files where disposition = 'imported'")).hasSize(3);
        }
    }

    @Test
    void inboxFilesAreIngestedAndRemovedButPartialDownloadsAreLeftAlone() throws Exception {
        PipelineHome pipeline = new PipelineHome(tmp).set("pipeline.source.folder.enabled", "false");
        Path inbox = pipeline.home().resolve("inbox/icloud/2024/01/31");
        Files.createDirectories(inbox);
        List<Path> photos = Tools.photos(inbox, "IMG_", 3, "2024:01:31 15:00:00");
        Map<String, String> shas = new TreeMap<>();
        photos.forEach(p -> shas.put(p.getFileName().toString(), sha(p)));
        Files.writeString(inbox.resolve("ABCDEF.part"), "half a download");

        Result r = run(pipeline.config(), "once");
        assertThat(r.code()).as(r.output()).isEqualTo(0);
        Map<String, String> archived = new TreeMap<>();
        for (Path p : files(pipeline.sorted())) {
            archived.put(p.getFileName().toString(), sha(p));
            assertThat(p.getParent()).isEqualTo(pipeline.sorted().resolve("photos/2024/01/31"));
        }
        assertThat(archived).isEqualTo(shas);
        assertThat(files(pipeline.home().resolve("inbox"))).containsExactly(inbox.resolve("ABCDEF.part"));
        try (Database db = pipeline.openLedger()) {
            assertThat(query(db, "select source from media_files")).hasSize(3)
                    .allSatisfy(m -> assertThat(m.get("source")).isEqualTo("icloud"));
        }
    }

    @Test
    void sampleLibraryOfTheDemoEndsWhereItsManifestSays() throws Exception {
        PipelineHome pipeline = new PipelineHome(tmp);
        SampleLibrary.Manifest manifest = SampleLibrary.generate(pipeline.library(), "ffmpeg", "exiftool");
        Result r = run(pipeline.config(), "once");
        assertThat(r.code()).as(r.output()).isEqualTo(3);
        assertThat(r.output()).contains("Run complete:");

        List<Path> sorted = files(pipeline.sorted());
        for (SampleLibrary.SampleFile f : manifest.files()) {
            Path source = pipeline.library().resolve(f.path());
            String sha = sha(source);
            switch (f.outcome()) {
                case ARCHIVE -> {
                    // a Live Photo's movie (it carries the Apple content id) is filed with its still
                    String kindDir = f.kind().name().equals("VIDEO") && !f.tags().containsKey("Keys:ContentIdentifier")
                            ? "videos" : "photos";
                    Path expectedDir = pipeline.sorted().resolve(kindDir)
                            .resolve(String.format("%04d/%02d/%02d", f.captureDate().getYear(),
                                    f.captureDate().getMonthValue(), f.captureDate().getDayOfMonth()));
                    assertThat(sorted).as(f.path()).filteredOn(p -> sha(p).equals(sha)).singleElement()
                            .satisfies(p -> assertThat(p.getParent()).isEqualTo(expectedDir));
                }
                case DUPLICATE -> assertThat(files(pipeline.home().resolve("duplicates")))
                        .as(f.path()).anySatisfy(p -> assertThat(sha(p)).isEqualTo(sha));
                case QUARANTINE -> assertThat(files(pipeline.home().resolve("quarantine")))
                        .as(f.path()).anySatisfy(p -> assertThat(p.getFileName().toString())
                                .isEqualTo(Path.of(f.path()).getFileName() + ".reason.txt"));
            }
        }
    }

    private static Map<Path, String> snapshot(Path dir) throws IOException {
        Map<Path, String> m = new TreeMap<>();
        for (Path p : files(dir)) {
            m.put(p, sha(p) + "@" + Files.getLastModifiedTime(p).toMillis());
        }
        return m;
    }
}
