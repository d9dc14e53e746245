package io.mediapipeline.pixel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mediapipeline.flow.TargetProof;
import io.mediapipeline.syncthing.SyncthingClient;
import io.mediapipeline.syncthing.SyncthingException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The Pixel target's proof for verify: a file is proven only when its delivery was confirmed, its hold (time for
 * Google Photos to back it up) has passed, and the phone has it right now. The re-check reads Syncthing's index the
 * way the confirmer does ({@link PhoneCopy}), so a file deleted on the phone since its confirmation is caught here.
 */
public class PixelProof implements TargetProof {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PixelConfig config;
    private final PixelLedger pixel;
    private final SyncthingClient syncthing;
    private final PixelConfirmer confirmer;
    private final SyncthingClient phone;

    /** {@code phone} is a client of the phone's own Syncthing, or null when pipeline.target.pixel.phone.url is empty. */
    public PixelProof(PixelConfig config, PixelLedger pixel, SyncthingClient syncthing, PixelConfirmer confirmer,
                      SyncthingClient phone) {
        this.config = config;
        this.pixel = pixel;
        this.syncthing = syncthing;
        this.confirmer = confirmer;
        this.phone = phone;
    }

    @Override
    public String target() {
        return "pixel";
    }

    @Override
    public boolean enabled() {
        return config.enabled();
    }

    @Override
    public Map<UUID, Verdict> check(Collection<UUID> mediaFileIds) {
        Map<UUID, PixelLedger.Delivered> deliveries = pixel.deliveries(mediaFileIds);
        Map<UUID, Verdict> verdicts = new LinkedHashMap<>();
        List<PixelLedger.Delivered> recheck = new ArrayList<>();
        Instant now = Instant.now();
        for (UUID id : mediaFileIds) {
            PixelLedger.Delivered d = deliveries.get(id);
            if (d == null || "staged".equals(d.state())) {
                verdicts.put(id, Verdict.waiting("not confirmed on the phone yet"
                        + (d != null && d.lastCheck() != null ? " (" + d.lastCheck() + ")" : ""), null));
            } else if ("failed".equals(d.state())) {
                verdicts.put(id, Verdict.missing("its delivery to the phone failed: " + d.lastError()));
            } else if (!"confirmed".equals(d.state())) {
                verdicts.put(id, Verdict.waiting("its Pixel delivery is " + d.state(), null));
            } else if (d.holdUntil() != null && d.holdUntil().isAfter(now)) {
                verdicts.put(id, Verdict.waiting("held until " + d.holdUntil() + " for Google Photos"
                        + " (pipeline.target.pixel.hold-days)", d.holdUntil()));
            } else {
                recheck.add(d);
            }
        }
        if (!recheck.isEmpty()) {
            recheck(recheck, verdicts);
        }
        return verdicts;
    }

    /**
     * One connections call for all, then db/file per file (Syncthing has no call for many files). A file the phone
     * is absent from is condemned only if the phone is still connected after its db/file call: one that dropped in
     * between is also absent from availability, so those wait for a second connections call made after them all.
     */
    private void recheck(List<PixelLedger.Delivered> files, Map<UUID, Verdict> verdicts) {
        String folder = config.proof().folderId();
        String device = config.proof().deviceId();
        JsonNode connection;
        try {
            connection = PhoneCopy.connectedPhone(syncthing, folder, device, v -> { });
        } catch (PhoneCopy.Unavailable e) {
            files.forEach(d -> verdicts.put(d.mediaId(), cannotRecheck(e.getMessage())));
            return;
        } catch (SyncthingException e) {
            files.forEach(d -> verdicts.put(d.mediaId(), cannotRecheck(confirmer.explain(e))));
            return;
        }
        Map<UUID, Verdict> absent = new LinkedHashMap<>();
        for (PixelLedger.Delivered d : files) {
            try {
                Verdict v = recheck(d, folder, device, connection);
                (v.state() == State.MISSING ? absent : verdicts).put(d.mediaId(), v);
            } catch (SyncthingException e) {
                verdicts.put(d.mediaId(), cannotRecheck(confirmer.explain(e)));
            }
        }
        if (!absent.isEmpty()) {
            Optional<String> gone = stillConnected(folder, device, connection);
            absent.forEach((id, v) -> verdicts.put(id, gone.map(PixelProof::cannotRecheck).orElse(v)));
        }
    }

    /** Empty when the phone is connected now on the connection seen before; otherwise why it is not. */
    private Optional<String> stillConnected(String folder, String device, JsonNode before) {
        try {
            JsonNode now = PhoneCopy.connectedPhone(syncthing, folder, device, v -> { });
            String started = before.path("startedAt").asText("");
            if (!started.equals(now.path("startedAt").asText(""))) {
                return Optional.of("the phone reconnected while it was being re-checked");
            }
            return Optional.empty();
        } catch (PhoneCopy.Unavailable e) {
            return Optional.of(e.getMessage() + " (it dropped while being re-checked)");
        } catch (SyncthingException e) {
            return Optional.of(confirmer.explain(e));
        }
    }

    private Verdict recheck(PixelLedger.Delivered d, String folder, String device, JsonNode connection) {
        String rel = d.batchName() + "/" + Path.of(d.stagedPath()).getFileName();
        if (d.stagedVersion() == null) {
            // confirmed always records the version it saw; without one there is nothing to compare with
            return Verdict.waiting("its staged version is not recorded: cannot re-check " + rel, null);
        }
        PhoneCopy copy = PhoneCopy.look(syncthing, folder, device, rel, d.size(), d.stagedVersion());
        return switch (copy.kind()) {
            case PRESENT -> Verdict.proven(evidence(d, rel, copy, connection));
            case ABSENT -> Verdict.missing("confirmed on the phone at " + d.confirmedAt() + " but the phone no longer"
                    + " has it (deleted there?): " + rel);
            case PARTIAL -> Verdict.waiting("the phone is receiving " + rel + " again: " + copy.detail(), null);
            case UNKNOWN -> Verdict.waiting("cannot re-check " + rel + " on the phone: " + copy.detail(), null);
        };
    }

    private static Verdict cannotRecheck(String why) {
        return Verdict.waiting("cannot re-check on the phone now: " + why, null);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> evidence(PixelLedger.Delivered d, String rel, PhoneCopy copy, JsonNode connection) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("device", config.proof().deviceId());
        e.put("file", rel);
        e.put("availability", JSON.convertValue(copy.entry(), Map.class));
        e.put("version", JSON.convertValue(copy.global().path("version"), Object.class));
        e.put("size", copy.global().path("size").asLong());
        Map<String, Object> c = new HashMap<>();
        c.put("connected", true);
        c.put("address", connection.path("address").asText(null));
        c.put("clientVersion", connection.path("clientVersion").asText(null));
        e.put("connection", c);
        e.put("checked_at", Instant.now().toString());
        e.put("confirmed_at", String.valueOf(d.confirmedAt()));
        e.put("hold_until", String.valueOf(d.holdUntil()));
        // the phone holds the Motion Photo, not this half's own bytes: say so, with the bytes it does hold
        e.put("delivered_as", d.deliveredAs());
        if ("motion-photo".equals(d.deliveredAs())) {
            e.put("motion_photo_sha256", d.deliveredSha256());
            e.put("delivered_with", String.valueOf(d.deliveredWith()));
            e.put("note", "delivered as part of the Motion Photo " + rel + " (with " + d.deliveredWith()
                    + "); the phone holds that file, not this file's own bytes");
        }
        return e;
    }

    @Override
    public Optional<String> localCopiesMustStay() {
        if (phone == null) {
            return Optional.of(PhoneFolder.NOT_ASKED);
        }
        PhoneFolder.Answer a;
        try {
            a = PhoneFolder.check(phone, config.proof().folderId());
        } catch (RuntimeException e) { // whatever went wrong, no proof: the copies stay
            return Optional.of("cannot check the phone's folder now: " + e.getMessage() + "; " + PhoneFolder.SET_PHONE);
        }
        return a.kind() == PhoneFolder.Kind.SAFE ? Optional.empty() : Optional.of(a.detail());
    }
}
