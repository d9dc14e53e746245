package io.mediapipeline.icloud.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mediapipeline.fixture.FixtureLibrary;
import io.mediapipeline.fixture.IcloudFixture;
import io.mediapipeline.icloud.web.IcloudWebException.Kind;
import io.mediapipeline.icloud.web.PhotosWeb.Found;
import io.mediapipeline.icloud.web.PhotosWeb.Receipt;
import io.mediapipeline.icloud.web.PhotosWeb.Registration;
import io.mediapipeline.icloud.web.PhotosWeb.Reservation;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The web client against the fixture: what arrives, what each fault means to the caller, what stays secret. */
class IcloudWebClientTest {

    private static final String USER = "anna.berg@example.com";
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    private static final Instant SUMMER = Instant.parse("2024-07-01T10:00:00Z");

    private final IcloudFixture fixture = new IcloudFixture();
    private final List<String> shown = new ArrayList<>(); // every message and toString a log could print

    @TempDir
    Path tmp;
    Path icloudpd;
    Path own;
    IcloudWebClient client;

    @BeforeEach
    void signInWithIcloudpd() throws IOException {
        icloudpd = tmp.resolve("icloudpd-cookies");
        own = tmp.resolve("state/icloud-web/anna");
        fixture.writeSession(icloudpd, USER);
        assertThat(SessionCopy.refresh(icloudpd, own, USER)).isTrue();
        client = new IcloudWebClient(fixture.setupUrl(), Duration.ofSeconds(10));
    }

    @AfterEach
    void noSecretShown() {
        fixture.close();
        for (String text : shown) {
            for (String secret : fixture.secrets()) {
                assertThat(text).as("a message or toString shows a token").doesNotContain(secret);
            }
        }
    }

    @Test
    void uploadedFileLandsByteExactAndLookupProvesIt() throws Exception {
        Path file = file("IMG_0001.HEIC", "the compressed photo");
        PhotosWeb web = signIn();
        Reservation reservation = web.reserve(Files.size(file));
        Receipt receipt = web.send(reservation, file);
        Registration registration = web.register(receipt, "IMG_0001.HEIC", SUMMER, BERLIN.getRules().getOffset(SUMMER), BERLIN);
        show(web, reservation, receipt, registration);

        assertThat(receipt.sha256()).isEqualTo(sha256(Files.readAllBytes(file)));
        assertThat(receipt.sentSize()).isEqualTo(Files.size(file)).isEqualTo(receipt.size());
        assertThat(registration.duplicate()).isFalse();
        assertThat(fixture.bytes(registration.masterRecordName())).isEqualTo(Files.readAllBytes(file));
        FixtureLibrary.Asset stored = fixture.library().asset(registration.assetRecordName()).orElseThrow();
        assertThat(stored.assetDate()).isEqualTo(SUMMER);
        assertThat(stored.timeZoneOffset()).as("UTC+2 in JavaScript's sign").isEqualTo(-120);
        assertThat(stored.localTimeZoneId()).isEqualTo("Europe/Berlin");

        Found found = web.lookup(registration.assetRecordName()).orElseThrow();
        show(found.asset(), found.master());
        assertThat(found.asset().masterRef()).isEqualTo(registration.masterRecordName());
        assertThat(found.asset().deleted()).isFalse();
        assertThat(found.master().size()).isEqualTo(Files.size(file));
        assertThat(found.master().fileChecksum()).isEqualTo(receipt.fileChecksum());
        assertThat(found.master().fileName()).isEqualTo("IMG_0001.HEIC");
        assertThat(web.progress(registration.uploadJobId())).contains(100);

        Path back = tmp.resolve("back.tmp");
        assertThat(web.download(found.master(), back)).isEqualTo(receipt.sha256());
        assertThat(Files.readAllBytes(back)).isEqualTo(Files.readAllBytes(file));
    }

    @Test
    void serviceCallsCarryTheBaseParamsAndTheUploadUrlGetsNoCookies() throws Exception {
        PhotosWeb web = signIn();
        upload(web, file("a.jpg", "a"));
        for (IcloudFixture.Request r : fixture.requests()) {
            if (List.of("createUploadUrl", "putAsset", "records/lookup").contains(r.endpoint())) {
                assertThat(r.pathAndQuery()).contains("clientBuildNumber=", "clientMasteringNumber=", "clientId=auth-",
                        "dsid=" + web.services().dsid());
            }
            if (r.endpoint().equals("upload") || r.endpoint().equals("download")) {
                assertThat(r.headers().keySet()).as("cookies sent to a signed URL").doesNotContain("Cookie");
            }
        }
        assertThat(fixture.count("upload")).isEqualTo(1);
    }

    @Test
    void sameBytesTwiceIsADuplicateWithTheExistingNamesNotASecondAsset() throws Exception {
        PhotosWeb web = signIn();
        Path file = file("b.jpg", "same bytes");
        Registration first = upload(web, file);
        Registration again = upload(web, file);
        assertThat(again.duplicate()).isTrue();
        assertThat(again.assetRecordName()).isEqualTo(first.assetRecordName());
        assertThat(again.masterRecordName()).isEqualTo(first.masterRecordName());
        assertThat(again.uploadJobId()).isNull();
        assertThat(fixture.assetsCreated()).isEqualTo(1);
    }

    @Test
    void eachAppleIdHasItsOwnLibrary() throws Exception {
        Path otherCookies = tmp.resolve("icloudpd-other");
        Path otherOwn = tmp.resolve("state/icloud-web/ola");
        fixture.writeSession(otherCookies, "ola@example.com");
        SessionCopy.refresh(otherCookies, otherOwn, "ola@example.com");
        PhotosWeb anna = signIn();
        PhotosWeb ola = client.signIn(otherOwn, "ola@example.com");
        Path file = file("shared.jpg", "the same picture in two families");
        Registration forAnna = upload(anna, file);
        Registration forOla = upload(ola, file);
        assertThat(forAnna.duplicate()).isFalse();
        assertThat(forOla.duplicate()).isFalse();
        assertThat(fixture.library(USER).assets()).hasSize(1);
        assertThat(fixture.library("ola@example.com").assets()).hasSize(1);
        assertThat(ola.lookup(forAnna.assetRecordName())).as("Anna's asset is not in Ola's library").isEmpty();
    }

    @Test
    void aLostPutAssetAnswerComesBackAsDuplicateThatLookupFinds() throws Exception {
        PhotosWeb web = signIn();
        fixture.faults().forceDuplicate(true);
        Registration r = upload(web, file("c.jpg", "registered before the crash"));
        assertThat(r.duplicate()).isTrue();
        assertThat(web.lookup(r.assetRecordName())).isPresent();
    }

    @Test
    void indexingLagIsEmptyThenPresent() throws Exception {
        PhotosWeb web = signIn();
        fixture.faults().indexAfter(Duration.ofSeconds(2));
        Registration r = upload(web, file("d.jpg", "indexing"));
        assertThat(web.lookup(r.assetRecordName())).isEmpty();
        Thread.sleep(2200);
        assertThat(web.lookup(r.assetRecordName())).isPresent();
    }

    @Test
    void anAssetThatNeverAppearsStaysEmpty() throws Exception {
        PhotosWeb web = signIn();
        fixture.faults().neverIndex(true);
        Registration r = upload(web, file("e.jpg", "never indexed"));
        assertThat(web.lookup(r.assetRecordName())).isEmpty();
        assertThat(web.progress(r.uploadJobId())).contains(95);
    }

    @Test
    void aMasterReportingOtherSizeOrChecksumIsShownAsItIs() throws Exception {
        PhotosWeb web = signIn();
        fixture.faults().wrongSize(true);
        Path f1 = file("f.jpg", "size differs");
        Reservation res = web.reserve(Files.size(f1));
        Receipt receipt = web.send(res, f1);
        Found found = web.lookup(web.register(receipt, "f.jpg", SUMMER, BERLIN.getRules().getOffset(SUMMER), BERLIN).assetRecordName()).orElseThrow();
        assertThat(found.master().size()).isNotEqualTo(receipt.size());

        fixture.faults().wrongSize(false).wrongChecksum(true);
        Path f2 = file("g.jpg", "checksum differs");
        Receipt r2 = web.send(web.reserve(Files.size(f2)), f2);
        Found found2 = web.lookup(web.register(r2, "g.jpg", SUMMER, BERLIN.getRules().getOffset(SUMMER), BERLIN).assetRecordName()).orElseThrow();
        assertThat(found2.master().fileChecksum()).isNotEqualTo(r2.fileChecksum());
        assertThat(found2.master().size()).isEqualTo(r2.size());
    }

    @Test
    void unavailableIsThrottledWithRetryAfterThenFine() throws Exception {
        PhotosWeb web = signIn();
        fixture.faults().unavailable("createUploadUrl", 2);
        for (int i = 0; i < 2; i++) {
            IcloudWebException e = failure(() -> web.reserve(10));
            assertThat(e.kind()).isEqualTo(Kind.THROTTLED);
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(7));
            assertThat(e.getMessage()).startsWith("createUploadUrl: HTTP 503");
        }
        assertThat(web.reserve(10).size()).isEqualTo(10);
    }

    @Test
    void statusesMapToKinds() throws Exception {
        PhotosWeb web = signIn();
        fixture.faults().fail("records/lookup", 429, 1).fail("records/lookup", 500, 1).fail("records/lookup", 400, 1)
                .accessDenied("records/lookup", 1).fail("records/lookup", 403, 1);
        assertThat(failure(() -> web.lookup("X")).kind()).isEqualTo(Kind.THROTTLED);
        assertThat(failure(() -> web.lookup("X")).kind()).isEqualTo(Kind.RETRYABLE);
        assertThat(failure(() -> web.lookup("X")).kind()).isEqualTo(Kind.REJECTED);
        IcloudWebException denied = failure(() -> web.lookup("X"));
        assertThat(denied.kind()).isEqualTo(Kind.THROTTLED);
        assertThat(denied.getMessage()).contains("ACCESS_DENIED");
        assertThat(failure(() -> web.lookup("X")).kind()).isEqualTo(Kind.AUTH_EXPIRED);
        assertThat(web.lookup("X")).isEmpty();
    }

    @Test
    void putAssetRefusalsPerFile() throws Exception {
        PhotosWeb web = signIn();
        Path file = file("h.jpg", "refused");
        Receipt receipt = web.send(web.reserve(Files.size(file)), file);
        fixture.faults().rejectPutAsset(503, true, 1).rejectPutAsset(400, false, 1);
        IcloudWebException retryable = failure(() -> web.register(receipt, "h.jpg", SUMMER, BERLIN.getRules().getOffset(SUMMER), BERLIN));
        assertThat(retryable.kind()).isEqualTo(Kind.RETRYABLE);
        assertThat(retryable.getMessage()).contains("putAsset", "h.jpg", "503");
        assertThat(failure(() -> web.register(receipt, "h.jpg", SUMMER, BERLIN.getRules().getOffset(SUMMER), BERLIN)).kind()).isEqualTo(Kind.REJECTED);
        assertThat(web.register(receipt, "h.jpg", SUMMER, BERLIN.getRules().getOffset(SUMMER), BERLIN).duplicate()).isFalse();
        assertThat(fixture.assetsCreated()).isEqualTo(1);
    }

    @Test
    void aRefusedSignedUrlIsRetryableNotASignInMatter() throws Exception {
        PhotosWeb web = signIn();
        Path file = file("l.jpg", "signed URL refused");
        fixture.faults().fail("upload", 401, 1);
        IcloudWebException upload = failure(() -> web.send(web.reserve(Files.size(file)), file));
        assertThat(upload.kind()).isEqualTo(Kind.RETRYABLE);
        Registration r = upload(web, file);
        fixture.faults().fail("download", 410, 1);
        Found found = web.lookup(r.assetRecordName()).orElseThrow();
        IcloudWebException download = failure(() -> web.download(found.master(), tmp.resolve("x.tmp")));
        assertThat(download.kind()).isEqualTo(Kind.RETRYABLE);
        assertThat(download.getMessage()).startsWith("download: HTTP 410");
    }

    @Test
    void aFileOtherThanReservedIsNotSent() throws Exception {
        PhotosWeb web = signIn();
        Path file = file("m.jpg", "five!");
        IcloudWebException e = failure(() -> web.send(web.reserve(99), file));
        assertThat(e.kind()).isEqualTo(Kind.REJECTED);
        assertThat(e.getMessage()).contains("m.jpg", "99");
        assertThat(fixture.count("upload")).isZero();
    }

    @Test
    void misdirectedOnceResetsAndRecovers() throws Exception {
        PhotosWeb web = signIn();
        fixture.faults().misdirectOnce("createUploadUrl").misdirectOnce("upload");
        Registration r = upload(web, file("i.jpg", "421 once"));
        assertThat(r.duplicate()).isFalse();
        assertThat(fixture.count("createUploadUrl")).isEqualTo(2);
        assertThat(fixture.count("upload")).isEqualTo(2);
        assertThat(fixture.uploadsReceived()).hasSize(1);
    }

    @Test
    void misdirectedTwiceIsASignInMatter() throws Exception {
        PhotosWeb web = signIn();
        fixture.faults().fail("putAsset", 421, 2);
        Path file = file("j.jpg", "421 twice");
        Receipt receipt = web.send(web.reserve(Files.size(file)), file);
        IcloudWebException e = failure(() -> web.register(receipt, "j.jpg", SUMMER, BERLIN.getRules().getOffset(SUMMER), BERLIN));
        assertThat(e.kind()).isEqualTo(Kind.AUTH_EXPIRED);
        assertThat(e.status()).isEqualTo(421);
    }

    @Test
    void sessionExpiringMidBatchIsAuthExpiredNotRetryable() throws Exception {
        PhotosWeb web = signIn();
        upload(web, file("k1.jpg", "first"));
        fixture.faults().expireSessionAfter(1);
        web.reserve(5);
        IcloudWebException e = failure(() -> web.reserve(5));
        assertThat(e.kind()).isEqualTo(Kind.AUTH_EXPIRED);
        assertThat(failure(this::signIn).kind()).isEqualTo(Kind.AUTH_EXPIRED);
    }

    @Test
    void advancedDataProtectionIsRefusedWithWhatToDo() {
        fixture.faults().adp(true);
        IcloudWebException e = failure(this::signIn);
        assertThat(e.kind()).isEqualTo(Kind.ADP_REQUIRED);
        assertThat(e.getMessage()).contains("Advanced Data Protection", "cannot work", "leave the upload to iCloud off",
                "Access iCloud Data on the Web");
        assertThat(fixture.count("createUploadUrl")).isZero();
    }

    @Test
    void pcsRequiredAloneIsNotAdvancedDataProtection() throws Exception {
        PhotosWeb web = signIn(); // the fixture, like Apple's captured answers, says pcsRequired for every account
        assertThat(fixture.count("requestWebAccessState")).isEqualTo(1);
        assertThat(web.services().pcsRequired()).isFalse();
    }

    @Test
    void withoutAnAnswerOnWebAccessTheAccountIsRefusedNotGuessed() {
        fixture.faults().fail("requestWebAccessState", 404, 1);
        assertThat(failure(this::signIn).kind()).isEqualTo(Kind.ADP_REQUIRED);
    }

    @Test
    void missingWebServiceIsUnavailable() {
        fixture.faults().withoutService("photosupload");
        IcloudWebException e = failure(this::signIn);
        assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
        assertThat(e.getMessage()).contains("photosupload");
    }

    @Test
    void webAccessOffIsUnavailableWithWhatToDo() {
        fixture.faults().webAccess(false);
        IcloudWebException e = failure(this::signIn);
        assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
        assertThat(e.getMessage()).contains("Access iCloud Data on the Web", "turn it on");
    }

    @Test
    void noSessionIsAuthExpiredWithoutAsking() throws IOException {
        IcloudWebException e = failure(() -> client.signIn(tmp.resolve("empty"), USER));
        assertThat(e.kind()).isEqualTo(Kind.AUTH_EXPIRED);
        assertThat(fixture.count("accountLogin")).isZero();
    }

    @Test
    void sessionIsWrittenBackPrivatelyAndIcloudpdsCopyIsUntouched() throws Exception {
        String name = SessionCopy.fileName(USER);
        byte[] theirJar = Files.readAllBytes(icloudpd.resolve(name));
        byte[] theirSession = Files.readAllBytes(icloudpd.resolve(name + ".session"));
        byte[] ourJarBefore = Files.readAllBytes(own.resolve(name));
        signIn();
        assertThat(Files.readAllBytes(own.resolve(name))).as("the rotated web auth cookie is kept").isNotEqualTo(ourJarBefore);
        assertThat(Files.readString(own.resolve(name))).startsWith("#LWP-Cookies-2.0").contains("X-APPLE-WEBAUTH-HSA-TRUST");
        for (Path p : List.of(own.resolve(name), own.resolve(name + ".session"))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).isEqualTo("rw-------");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(own))).isEqualTo("rwx------");
        assertThat(Files.readAllBytes(icloudpd.resolve(name))).isEqualTo(theirJar);
        assertThat(Files.readAllBytes(icloudpd.resolve(name + ".session"))).isEqualTo(theirSession);
        try (var files = Files.list(own)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(name, name + ".session");
        }
        assertThat(signIn().services().dsid()).as("the written-back session signs in again").isNotEmpty();
    }

    @Test
    void aBigFileIsStreamedAndArrivesExactly() throws Exception {
        Path big = tmp.resolve("big.mov");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(32L * 1024 * 1024); // sparse: cheap to make
            f.seek(f.length() - 5);
            f.write("tail!".getBytes(StandardCharsets.US_ASCII));
        }
        PhotosWeb web = signIn();
        Receipt receipt = web.send(web.reserve(Files.size(big)), big);
        assertThat(receipt.sentSize()).isEqualTo(Files.size(big));
        assertThat(receipt.sha256()).isEqualTo(sha256(Files.readAllBytes(big)));
        assertThat(sha256(fixture.uploadsReceived().get(0))).isEqualTo(receipt.sha256());
        IcloudFixture.Request sent = fixture.requests().stream().filter(r -> r.endpoint().equals("upload")).findFirst()
                .orElseThrow();
        assertThat(sent.headers().get("Content-length")).containsExactly(Long.toString(Files.size(big)));
    }

    @Test
    void theOriginalIsFoundByDateAndMarkedDeletedOnlyWithTheCurrentTag() throws Exception {
        byte[] bytes = "the original from the iPhone".getBytes(StandardCharsets.UTF_8);
        Instant taken = Instant.parse("2019-05-04T12:00:00Z");
        fixture.seedOriginal("IMG_4711.JPG", bytes, taken);
        fixture.seedOriginal("IMG_4712.JPG", "another day".getBytes(StandardCharsets.UTF_8), taken.plusSeconds(86_400 * 3));
        PhotosWeb web = signIn();

        List<Found> day = web.assetsDated(taken.minusSeconds(3600), taken.plusSeconds(3600));
        assertThat(day).hasSize(1);
        Found original = day.get(0);
        assertThat(original.master().fileName()).isEqualTo("IMG_4711.JPG");
        assertThat(original.master().size()).isEqualTo(bytes.length);

        fixture.library().touch(original.asset().recordName());
        IcloudWebException stale = failure(() -> web.markDeleted(original.asset().recordName(), original.asset().changeTag()));
        assertThat(stale.kind()).isEqualTo(Kind.REJECTED);
        assertThat(stale.getMessage()).contains("CONFLICT");
        assertThat(fixture.library().asset(original.asset().recordName()).orElseThrow().deleted()).isFalse();

        Found fresh = web.lookup(original.asset().recordName()).orElseThrow();
        PhotosWeb.Asset after = web.markDeleted(fresh.asset().recordName(), fresh.asset().changeTag());
        assertThat(after.deleted()).isTrue();
        assertThat(fixture.library().asset(original.asset().recordName()).orElseThrow().deleted()).isTrue();
        assertThat(web.assetsDated(taken.minusSeconds(3600), taken.plusSeconds(3600))).isEmpty();
    }

    // ---- helpers ----

    private PhotosWeb signIn() throws IcloudWebException, IOException {
        PhotosWeb web = client.signIn(own, USER);
        show(web, client, web.services());
        return web;
    }

    private Registration upload(PhotosWeb web, Path file) throws Exception {
        Reservation res = web.reserve(Files.size(file));
        Receipt receipt = web.send(res, file);
        Registration r = web.register(receipt, file.getFileName().toString(), SUMMER, BERLIN.getRules().getOffset(SUMMER), BERLIN);
        show(res, receipt, r);
        return r;
    }

    private Path file(String name, String content) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("files"));
        return Files.writeString(dir.resolve(name), content);
    }

    private interface Call {
        Object run() throws Exception;
    }

    private IcloudWebException failure(Call call) {
        IcloudWebException e = catchThrowableOfType(IcloudWebException.class, call::run);
        assertThat(e).as("an IcloudWebException").isNotNull();
        shown.add(e.getMessage());
        shown.add(e.toString());
        return e;
    }

    private void show(Object... things) {
        for (Object o : things) {
            shown.add(String.valueOf(o));
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
