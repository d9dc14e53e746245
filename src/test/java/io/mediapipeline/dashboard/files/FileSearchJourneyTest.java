package io.mediapipeline.dashboard.files;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.media.MediaKind;
import io.mediapipeline.support.RequiredTools;
import io.mediapipeline.support.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The file pages' search, journey and thumbnails, read from a real ledger holding the rows the stages write. */
class FileSearchJourneyTest extends OnFilesLedger {

    private static List<String> names(Search.Result r) {
        return r.files().stream().map(f -> (String) f.get("original_name")).toList();
    }

    @Test
    void searchByNameTakesWildcardsLiterally() throws Exception {
        library.ingested("Beach_Day.jpg", MediaKind.PHOTO, JULY, Library.bytes("beach 1"));
        library.ingested("beachXday.jpg", MediaKind.PHOTO, JULY, Library.bytes("beach 2"));
        library.ingested("777%.jpg", MediaKind.PHOTO, JULY, Library.bytes("percent"));
        library.ingested("7770.jpg", MediaKind.PHOTO, JULY, Library.bytes("thousand"));
        Search search = new Search(ledger);

        assertThat(names(search.find("beach_"))).containsExactly("Beach_Day.jpg");
        assertThat(names(search.find("  BEACH  "))).containsExactlyInAnyOrder("Beach_Day.jpg", "beachXday.jpg");
        assertThat(names(search.find("777%"))).containsExactly("777%.jpg");
        assertThat(names(search.find("777"))).containsExactlyInAnyOrder("777%.jpg", "7770.jpg");
        assertThat(names(search.find("no such name'; drop table media_files; --"))).isEmpty();
    }

    @Test
    void searchByHashNeedsAPrefixOfEightHexDigits() throws Exception {
        Library.File f = library.ingested("hashed.jpg", MediaKind.PHOTO, JULY, Library.bytes("hashed"));
        Search search = new Search(ledger);

        assertThat(names(search.find(f.sha256().substring(0, 8).toUpperCase()))).containsExactly("hashed.jpg");
        assertThat(names(search.find(f.sha256()))).containsExactly("hashed.jpg");
        assertThat(names(search.find(f.sha256().substring(0, 7)))).isEmpty();
    }

    @Test
    void searchByDateFollowsTheLocalDayThePhotoWasTaken() throws Exception {
        // 23:30 at +02:00 is 21:30 UTC on the 1st; 01:00 at +02:00 on the 2nd is still the 1st in UTC
        library.ingested("late.jpg", MediaKind.PHOTO, OffsetDateTime.of(2021, 3, 1, 23, 30, 0, 0, ZoneOffset.ofHours(2)),
                Library.bytes("late"));
        library.ingested("early.jpg", MediaKind.PHOTO, OffsetDateTime.of(2021, 3, 2, 1, 0, 0, 0, ZoneOffset.ofHours(2)),
                Library.bytes("early"));
        library.ingested("april.jpg", MediaKind.PHOTO, OffsetDateTime.of(2021, 4, 1, 0, 30, 0, 0, ZoneOffset.ofHours(2)),
                Library.bytes("april"));
        Search search = new Search(ledger);

        assertThat(names(search.find("2021-03-01"))).containsExactly("late.jpg");
        assertThat(names(search.find("2021-03-02"))).containsExactly("early.jpg");
        assertThat(names(search.find("2021-03"))).containsExactly("early.jpg", "late.jpg");
        assertThat(names(search.find("2021-04"))).containsExactly("april.jpg");
    }

    @Test
    void searchShowsAtMostAHundredFilesNewestFirst() throws Exception {
        for (int i = 1; i <= 103; i++) {
            library.ingested(String.format("many_%03d.jpg", i), MediaKind.PHOTO,
                    OffsetDateTime.of(2019, 3, 1, 0, 0, 0, 0, ZoneOffset.UTC).plusMinutes(i), Library.bytes("many " + i));
        }
        Search.Result r = new Search(ledger).find("2019-03");

        assertThat(r.files()).hasSize(100);
        assertThat(r.more()).isTrue();
        assertThat(names(r).get(0)).isEqualTo("many_103.jpg");
        assertThat(names(r).get(99)).isEqualTo("many_004.jpg");
    }

    @Test
    @SuppressWarnings("unchecked")
    void journeyListsEveryEventInOrderWithItsEvidence() throws Exception {
        Library.File f = library.archived("journey.jpg", MediaKind.PHOTO, JULY, Library.bytes("journey"));
        ledger.rows("""
                insert into deliveries (media_file_id, target, state, staged_path, evidence)
                values (?, 'pixel', 'staged', ?, '{"availability":[{"id":"PHONE-DEVICE-ID","fromTemporary":false}],"size":2012}'::jsonb)
                returning id""", f.id(), home.resolve("bridge/pixel/b1/journey.jpg").toString());
        ledger.rows("update deliveries set state = 'confirmed', confirmed_at = now() where media_file_id = ? returning id", f.id());
        ledger.markError(f.id(), "verify", "copy missing: the archive copy");
        ledger.returnFromError(f.id());

        Map<String, Object> model = new Journey(ledger).of(f.id().toString()).orElseThrow();

        List<Map<String, Object>> events = (List<Map<String, Object>>) model.get("events");
        List<String> expected = ledger.rows("select entity || ':' || to_state as e from file_events where media_file_id = ? order by id",
                f.id()).stream().map(r -> (String) r.get("e")).toList();
        assertThat(expected).hasSizeGreaterThanOrEqualTo(7);
        assertThat(events.stream().map(e -> e.get("entity") + ":" + e.get("to_state")).toList()).isEqualTo(expected)
                .containsSubsequence("media_file:ingesting", "media_file:ingested", "media_file:archived",
                        "delivery:pixel:staged", "delivery:pixel:confirmed", "media_file:error", "media_file:archived");
        assertThat(events).anySatisfy(e -> assertThat(e.get("detail")).isEqualTo("verify: copy missing: the archive copy"));

        Map<String, Object> delivery = ((List<Map<String, Object>>) model.get("deliveries")).get(0);
        assertThat((List<Map<String, String>>) delivery.get("lines")).contains(
                Map.of("key", "availability[1].id", "value", "PHONE-DEVICE-ID"),
                Map.of("key", "availability[1].fromTemporary", "value", "false"), Map.of("key", "size", "value", "2012"));
        assertThat((List<Map<String, Object>>) model.get("paths")).extracting(p -> p.get("label") + "=" + p.get("present"))
                .contains("original=true", "archive (sorted/)=true", "bridge (pixel)=false");
        assertThat(((Map<String, Object>) model.get("file")).get("sha256")).isEqualTo(f.sha256());

        assertThat(new Journey(ledger).of(UUID.randomUUID().toString())).isEmpty();
        assertThat(new Journey(ledger).of("../../etc/passwd")).isEmpty();
    }

    @Test
    void thumbnailIsMadeOnceFromTheArchiveAndKeptPrivate() throws Exception {
        RequiredTools.need(Tools.onPath("ffmpeg"), "ffmpeg");
        Path dir = Files.createDirectories(tmp.resolve("made"));
        Tools.run(dir, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=800x600", "-frames:v", "1", "big.jpg");
        Library.File photo = library.archived("big.jpg", MediaKind.PHOTO, JULY, Files.readAllBytes(dir.resolve("big.jpg")));
        Thumbnails thumbnails = new Thumbnails(ledger, home, "ffmpeg", "heif-convert");

        Path thumb = thumbnails.of(photo.id().toString()).orElseThrow();
        assertThat(thumb).isEqualTo(home.resolve("state/thumbnails").resolve(photo.sha256() + ".jpg"));
        String size = Tools.run(dir, "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                "stream=width,height", "-of", "csv=p=0", thumb.toString()).strip();
        assertThat(size).isEqualTo("320,240");
        assertThat(Files.getPosixFilePermissions(thumb.getParent())).extracting(Object::toString)
                .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE", "OWNER_EXECUTE");
        assertThat(Files.list(thumb.getParent()).map(p -> p.getFileName().toString()).toList())
                .contains(photo.sha256() + ".jpg").noneMatch(n -> n.startsWith("."));

        // made once: with the photo gone from the archive the cached one is still served, untouched
        var made = Files.getLastModifiedTime(thumb);
        Files.delete(photo.archive());
        Files.delete(photo.original());
        assertThat(new Thumbnails(ledger, home, "/no/such/ffmpeg", "/no/such/heif-convert").of(photo.id().toString())).contains(thumb);
        assertThat(Files.getLastModifiedTime(thumb)).isEqualTo(made);
    }

    @Test
    void heicPhotoGetsAThumbnailThroughHeifConvert() throws Exception {
        RequiredTools.need(Tools.onPath("ffmpeg") && Tools.onPath("heif-enc") && Tools.onPath("heif-convert"),
                "ffmpeg, heif-enc and heif-convert (libheif-examples)");
        Path dir = Files.createDirectories(tmp.resolve("heic"));
        Tools.run(dir, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=480x640", "-frames:v", "1", "portrait.png");
        Tools.run(dir, "heif-enc", "-q", "60", "-o", "IMG_0001.HEIC", "portrait.png");
        Library.File heic = library.archived("IMG_0001.HEIC", MediaKind.PHOTO, JULY, Files.readAllBytes(dir.resolve("IMG_0001.HEIC")));

        Path thumb = new Thumbnails(ledger, home, "ffmpeg", "heif-convert").of(heic.id().toString()).orElseThrow();

        assertThat(Tools.run(dir, "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                "-of", "csv=p=0", thumb.toString()).strip()).isEqualTo("240,320");
        assertThat(Files.list(thumb.getParent()).map(p -> p.getFileName().toString()))
                .noneMatch(n -> n.startsWith("."));
    }

    @Test
    void noThumbnailForAVideoAMissingFileOrAFileOutsideTheDataDirectory() throws Exception {
        RequiredTools.need(Tools.onPath("ffmpeg"), "ffmpeg");
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Tools.run(outside, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=100x80", "-frames:v", "1", "secret.jpg");
        Library.File video = library.archived("clip.mov", MediaKind.VIDEO, JULY, Library.bytes("a video"));
        Library.File gone = library.archived("gone.jpg", MediaKind.PHOTO, JULY, Library.bytes("gone"));
        Files.delete(gone.archive());
        Files.delete(gone.original());
        Library.File elsewhere = library.archived("elsewhere.jpg", MediaKind.PHOTO, JULY, Library.bytes("elsewhere"));
        ledger.rows("update media_files set archive_path = ?, original_path = ? where id = ? returning id",
                outside.resolve("secret.jpg").toString(), outside.resolve("secret.jpg").toString(), elsewhere.id());
        Thumbnails thumbnails = new Thumbnails(ledger, home, "ffmpeg", "heif-convert");

        assertThat(thumbnails.of(video.id().toString())).isEmpty();
        assertThat(thumbnails.of(gone.id().toString())).isEmpty();
        assertThat(thumbnails.of(elsewhere.id().toString())).isEmpty();
        assertThat(thumbnails.of("not-an-id")).isEmpty();
        assertThat(home.resolve("state/thumbnails").resolve(elsewhere.sha256() + ".jpg")).doesNotExist();
    }

    @Test
    void aPhotoAskedForManyTimesAtOnceIsMadeOnceAndAtMostTwoAreMadeAtATime() throws Exception {
        // a stand-in for ffmpeg that notes each run, how many run at once, and is slow enough to overlap
        Path tool = Files.createDirectories(tmp.resolve("slow-ffmpeg"));
        Path ffmpeg = tool.resolve("ffmpeg");
        Files.writeString(ffmpeg, """
                #!/bin/sh
                d=%s
                echo run >> "$d/runs"
                touch "$d/running.$$"
                ls "$d" | grep -c '^running' >> "$d/at-once"
                sleep 0.4
                rm -f "$d/running.$$"
                for last; do :; done
                printf 'a jpeg' > "$last"
                """.formatted(tool));
        Files.setPosixFilePermissions(ffmpeg, PosixFilePermissions.fromString("rwx------"));
        Thumbnails thumbnails = new Thumbnails(ledger, home, ffmpeg.toString(), "heif-convert");
        Library.File same = library.archived("asked-often.jpg", MediaKind.PHOTO, JULY, Library.bytes("asked often"));
        List<Library.File> others = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            others.add(library.archived("other-" + i + ".jpg", MediaKind.PHOTO, JULY, Library.bytes("other " + i)));
        }

        List<String> ids = new ArrayList<>(Collections.nCopies(6, same.id().toString()));
        others.forEach(o -> ids.add(o.id().toString()));
        ExecutorService pool = Executors.newFixedThreadPool(ids.size());
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Optional<Path>>> asked = new ArrayList<>();
            for (String id : ids) {
                asked.add(pool.submit(() -> {
                    go.await();
                    return thumbnails.of(id);
                }));
            }
            go.countDown();
            Path thumb = home.resolve("state/thumbnails").resolve(same.sha256() + ".jpg");
            for (int i = 0; i < 6; i++) {
                assertThat(asked.get(i).get(30, TimeUnit.SECONDS)).as("every asker gets it").contains(thumb);
            }
            for (int i = 6; i < ids.size(); i++) {
                assertThat(asked.get(i).get(30, TimeUnit.SECONDS)).isPresent();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(Files.readAllLines(tool.resolve("runs"))).as("one run per photo").hasSize(1 + others.size());
        assertThat(Files.readAllLines(tool.resolve("at-once")).stream().mapToInt(Integer::parseInt).max().orElseThrow())
                .as("runs at once").isLessThanOrEqualTo(Thumbnails.MAKERS);
    }
}
