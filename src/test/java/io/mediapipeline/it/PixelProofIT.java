package io.mediapipeline.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.demo.LoopbackPair;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.flow.TargetProof.State;
import io.mediapipeline.flow.TargetProof.Verdict;
import io.mediapipeline.ledger.Claim;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.media.Hasher;
import io.mediapipeline.media.MediaInfo;
import io.mediapipeline.media.MediaKind;
import io.mediapipeline.ops.Metrics;
import io.mediapipeline.pixel.PixelConfig;
import io.mediapipeline.pixel.PixelConfirmer;
import io.mediapipeline.pixel.PixelLedger;
import io.mediapipeline.pixel.PixelProof;
import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.syncthing.SyncthingClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Pixel proof against two real Syncthing instances on loopback: a file the confirmer confirmed is proven while
 * the phone has it, waits while the phone is paused, and is missing once it was deleted on the phone and the phone
 * rescanned; the bridge copies may go only when the phone's folder ignores deletes.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PixelProofIT {

    @TempDir
    Path tmp;

    @Test
    void theProofLooksAtThePhoneNow() throws Exception {
        PipelineHome p = new PipelineHome(tmp.resolve("p"));
        Path bridge = p.home().resolve("bridge/pixel");
        Files.createDirectories(bridge.resolve("b1"));
        byte[] bytes = new byte[20_000];
        new Random(7).nextBytes(bytes);
        Path staged = bridge.resolve("b1/IMG_0001.JPG");
        Files.write(staged, bytes);
        try (LoopbackPair pair = LoopbackPair.start(tmp.resolve("st"), bridge); Database db = p.openLedger()) {
            pair.pipelineSettings().forEach(p::set);
            p.set("pipeline.target.pixel.hold-days", "0");
            PixelConfig cfg = PixelConfig.from(p.settings());
            Ledger ledger = new Ledger(db.dataSource());
            PixelLedger pixel = new PixelLedger(db.dataSource());
            MediaInfo info = new MediaInfo(MediaKind.PHOTO, "jpeg", "jpg", "image/jpeg", 4, 4, null, 0, false, null,
                    null, null, null, null, null);
            Claim claim = ledger.claim(Hasher.sha256(staged), bytes.length, info, "folder", "IMG_0001.JPG", "/x/IMG_0001.JPG");
            UUID id = claim.mediaId();
            PixelLedger.Batch batch = pixel.createBatch("b1", LoopbackPair.FOLDER_ID);
            pixel.addDelivery(id, batch.id(), staged.toString(), bytes.length);
            pixel.closeBatch(batch.id());
            try (SyncthingClient server = SyncthingClient.standalone(cfg.syncthing().url(), cfg.syncthing().apiKey());
                 SyncthingClient phone = SyncthingClient.standalone(pair.phone().url(), pair.phone().apiKey())) {
                PixelConfirmer confirmer = new PixelConfirmer(pixel, server, new RunContext(ledger, "once", "test"),
                        cfg.proof(), new Metrics());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (pixel.unconfirmedCount() > 0 && System.nanoTime() < deadline) {
                    confirmer.check();
                    Thread.sleep(200);
                }
                assertThat(pixel.unconfirmedCount()).as("confirmed on the phone: " + confirmer.problem()).isZero();
                PixelProof proof = new PixelProof(cfg, pixel, server, confirmer, phone);
                Supplier<Verdict> now = () -> proof.check(List.of(id)).get(id);

                assertThat(now.get().state()).isEqualTo(State.PROVEN);

                pair.pausePhone();
                assertThat(now.get().state()).isEqualTo(State.WAITING);
                assertThat(now.get().reason()).contains("not connected");
                pair.resumePhone();

                assertThat(proof.localCopiesMustStay()).hasValueSatisfying(r -> assertThat(r).contains("does not ignore deletes"));
                pair.rest(pair.phone(), "PATCH", "/rest/config/folders/" + LoopbackPair.FOLDER_ID, "{\"ignoreDelete\":true}");
                assertThat(proof.localCopiesMustStay()).isEmpty();

                Files.delete(pair.phoneFolder().resolve("b1/IMG_0001.JPG"));
                pair.scanPhone();
                Verdict v = now.get();
                for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                     v.state() != State.MISSING && System.nanoTime() < end; v = now.get()) {
                    Thread.sleep(200);
                }
                assertThat(v.state()).as(v.reason()).isEqualTo(State.MISSING);
                assertThat(v.reason()).contains("no longer has it");
            }
        }
    }
}
