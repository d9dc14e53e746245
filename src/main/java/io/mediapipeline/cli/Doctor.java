package io.mediapipeline.cli;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Secrets;
import io.mediapipeline.config.Settings;
import io.mediapipeline.icloud.IcloudConfig;
import io.mediapipeline.icloud.IcloudStore;
import io.mediapipeline.icloud.SessionCookies;
import io.mediapipeline.ledger.Database;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.media.Sha256;
import io.mediapipeline.pixel.PixelConfig;
import io.mediapipeline.syncthing.SyncthingClient;
import io.mediapipeline.syncthing.SyncthingException;
import io.mediapipeline.proc.ToolRun;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.Map;

/**
 * `doctor`: checks what the pipeline depends on and says, in plain words, what to fix. Exit 0 when
 * nothing is broken (warnings allowed), 1 otherwise.
 */
public final class Doctor {

    private final List<String> lines = new ArrayList<>();
    private int failures;

    private Doctor() {
    }

    /** @param load loads and checks the settings, throwing {@link ConfigException} naming a bad key */
    public static int run(Supplier<Settings> load) {
        Doctor d = new Doctor();
        Settings settings;
        try {
            settings = load.get();
            d.ok("configuration", "valid (" + settings.describe().size() + " pipeline settings)");
        } catch (ConfigException e) {
            d.fail("configuration", e.getMessage(), "edit the key named above in config/application.properties or your --config file");
            d.print();
            return 1;
        }
        d.tool("ffmpeg", settings.get("pipeline.tools.ffmpeg"), List.of("-version"), "apt-get install ffmpeg", true);
        d.tool("ffprobe", settings.get("pipeline.tools.ffprobe"), List.of("-version"), "apt-get install ffmpeg", true);
        d.tool("exiftool", settings.get("pipeline.tools.exiftool"), List.of("-ver"), "apt-get install libimage-exiftool-perl", true);
        d.tool("heif-enc", "heif-enc", List.of("-h"), "apt-get install libheif-examples", false);
        d.tool("jpegtran", settings.get("pipeline.tools.jpegtran"), List.of("-version"),
                "apt-get install libjpeg-turbo-progs (JPEG recompression falls back to ffmpeg alone)", false);
        d.tool("syncthing", "syncthing", List.of("--version"), "apt-get install syncthing (needed by the Pixel target)", false);
        if (Sha256.isNative()) {
            d.ok("sha-256", Sha256.implementation());
        } else {
            d.warn("sha-256", Sha256.implementation(), "apt-get install libnss3");
        }
        List<IcloudUploadCheck.Finding> guard = GuardCheck.check(settings);
        guard.forEach(d::add);
        if (GuardCheck.homeUsable(guard)) {
            d.disk(settings); // it creates pipeline.home: never on a bare mount point while the NAS is away
        }
        d.database(settings);
        d.pixel(settings);
        PhoneFolderCheck.check(settings).ifPresent(d::add);
        d.print();
        return d.failures > 0 ? 1 : 0;
    }

    private void tool(String name, String binary, List<String> args, String fix, boolean required) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary);
        cmd.addAll(args);
        try {
            String out = ToolRun.of(cmd).mergeStderr().run(Duration.ofSeconds(20)).stdout();
            String first = out.lines().filter(l -> !l.isBlank() && !l.startsWith("/usr/bin")).findFirst().orElse("").trim();
            ok(name, first.isEmpty() ? "present" : first);
        } catch (IOException e) {
            if (required) {
                fail(name, "not found (" + binary + ")", fix);
            } else {
                warn(name, "not found (" + binary + ")", fix);
            }
        }
    }

    private void disk(Settings settings) {
        Path home = settings.home();
        try {
            Files.createDirectories(home);
            long free = Files.getFileStore(home).getUsableSpace();
            long min = settings.integer("pipeline.doctor.min-free-gb") * (1L << 30);
            String text = String.format("%.1f GiB free under %s", free / (double) (1L << 30), home);
            if (free < min) {
                fail("disk", text, "free space or raise pipeline.doctor.min-free-gb knowingly");
            } else {
                ok("disk", text);
            }
            if (!Files.isWritable(home)) {
                fail("disk", home + " is not writable", "fix the owner or mount options of pipeline.home");
            }
        } catch (IOException e) {
            fail("disk", "cannot use " + home + ": " + e.getMessage(), "create it or point pipeline.home elsewhere");
        }
    }

    private void database(Settings settings) {
        try (Database db = Database.open(settings)) {
            Ledger ledger = new Ledger(db.dataSource());
            Object version = ledger.rows("select version() as v").get(0).get("v");
            ok("database", (db.embedded() ? "embedded " : "") + String.valueOf(version).split(",")[0]);
            for (Map<String, Object> row : ledger.rows(
                    "select status, count(*) as n from media_files group by status order by status")) {
                ok("ledger", row.get("status") + ": " + row.get("n"));
            }
            if (settings.bool("pipeline.source.icloud.enabled")) {
                icloud(settings, new IcloudStore(db.dataSource()));
            }
            if (settings.bool(IcloudUploadCheck.UPLOAD + "enabled")) {
                icloudUpload(settings, new IcloudStore(db.dataSource()), ledger);
            }
            if (settings.bool("pipeline.compress.enabled")) {
                compression(ledger, settings.integer("pipeline.compress.max-failures"));
            }
            if (settings.bool("pipeline.verify.enabled")) {
                VerifyCheck.of(ledger).forEach(this::add);
            }
            CleanupCheck.ledger(settings, ledger).forEach(this::add);
            ScrubCheck.of(settings, ledger).forEach(this::add);
            long stuck = ((Number) ledger.rows(
                    "select count(*) as n from media_files where status = 'error'").get(0).get("n")).longValue();
            if (stuck > 0) {
                warn("ledger", stuck + " file(s) in error", "see `select original_name, error from media_files where status='error'`");
            }
        } catch (RuntimeException e) {
            fail("database", e.getMessage(), settings.get("pipeline.db.url").isEmpty()
                    ? "the embedded server needs user namespaces (unshare -U) as root; or set pipeline.db.url"
                    : "check pipeline.db.url, pipeline.db.user and PIPELINE_DB_PASSWORD");
        }
    }

    /** Per iCloud account: the binary, the last outcome, what blocks the next attempt, the session's end. */
    private void icloud(Settings settings, IcloudStore store) {
        IcloudConfig cfg = IcloudConfig.withoutSecrets(settings);
        if (!Files.isRegularFile(cfg.binary())) {
            fail("icloudpd", "not found at " + cfg.binary(), "run `bin/media-pipeline setup` or set pipeline.source.icloud.binary");
        } else {
            ok("icloudpd", cfg.binary().toString());
        }
        if (cfg.missingPassword() != null) {
            fail("icloud", cfg.missingPassword(), "export it where the service starts (systemd: EnvironmentFile=)");
        }
        for (IcloudConfig.Account a : cfg.accounts()) {
            IcloudStore.AccountState s = store.state(a.name());
            String what = "icloud " + a.name();
            String last = s.lastOutcome() == null ? "no attempt yet"
                    : "last " + s.lastOutcome() + " at " + s.lastAttemptAt() + ": " + s.lastMessage();
            int max = settings.integer("pipeline.source.icloud.max-attempts-per-hour");
            java.util.List<java.time.Instant> hour = store.attemptsSince(a.name(), java.time.Instant.now().minusSeconds(3600));
            if (hour.size() >= max) {
                warn(what, "circuit open: " + hour.size() + " icloudpd starts in the last hour (max " + max
                        + "); next not before " + hour.get(hour.size() - max).plusSeconds(3600),
                        "nothing to do: the limit protects the account from Apple's lockout");
            }
            switch (s.state()) {
                case "auth-needed" -> fail(what, "sign-in needed (since " + s.authNeededSince() + "); " + last,
                        "open " + cfg.loginHint() + ", press \"Send code\" and enter the code Apple sends");
                case "backing-off" -> warn(what, "backing off until " + s.nextAttemptAt() + "; " + last,
                        "nothing to do: it retries by itself (see pipeline_logs stage download-icloud)");
                default -> {
                    if ("bad-arguments".equals(s.lastOutcome())) {
                        fail(what, last, "fix the pipeline.source.icloud.* settings named above");
                    } else if (List.of("failed", "partial", "unknown").contains(s.lastOutcome())) {
                        warn(what, last, "see pipeline_logs stage download-icloud; the next scheduled run tries again");
                    } else {
                        ok(what, last);
                    }
                }
            }
            java.time.Instant expires = SessionCookies.expiry(a.cookieDir());
            if (expires == null) {
                warn(what, "no session cookie in " + a.cookieDir(), "sign in on the dashboard's sign-in page (or wait for the first run)");
            } else {
                long days = java.time.Duration.between(java.time.Instant.now(), expires).toDays();
                if (days < settings.integer("pipeline.source.icloud.session-warn-days")) {
                    warn(what, "session expires " + expires + " (in " + days + " day(s))", "sign in again on the dashboard's sign-in page before then");
                } else {
                    ok(what, "session valid until " + expires);
                }
            }
        }
    }

    /** Only when the upload to iCloud is on: a failure here is the upload's, not the database's. */
    private void icloudUpload(Settings settings, IcloudStore store, Ledger ledger) {
        try {
            IcloudUploadCheck.sessions(settings, store).forEach(this::add);
        } catch (RuntimeException e) {
            fail("icloud up", e.getMessage(), "fix the pipeline.target.icloud.* setting named above");
        }
        IcloudUploadCheck.ledger(settings, ledger).forEach(this::add);
    }

    /** Only when the Pixel target is on: Syncthing answers, takes the key, and has the folder set up right. */
    private void pixel(Settings settings) {
        PixelConfig pixel = PixelConfig.from(settings);
        if (!pixel.enabled()) {
            return;
        }
        String url = pixel.syncthing().url();
        String folder = pixel.proof().folderId();
        String device = pixel.proof().deviceId();
        Path bridge = pixel.staging().bridge();
        try (SyncthingClient syncthing = SyncthingClient.standalone(url, pixel.syncthing().apiKey())) {
            try {
                syncthing.ping();
                ok("syncthing", syncthing.version() + " at " + url + ", API key accepted");
            } catch (SyncthingException e) {
                if (e.kind() == SyncthingException.Kind.FORBIDDEN) {
                    fail("syncthing", e.getMessage(), "set PIPELINE_TARGET_PIXEL_API_KEY to the key shown in Syncthing's"
                            + " GUI (Settings > General > API Key)");
                } else {
                    fail("syncthing", e.getMessage(), "start Syncthing (e.g. systemctl start syncthing@USER) or fix"
                            + " pipeline.target.pixel.syncthing.url (its GUI address)");
                }
                return;
            }
            JsonNode config;
            try {
                config = syncthing.folderConfig(folder);
            } catch (SyncthingException e) {
                fail("pixel folder", "Syncthing has no folder with ID '" + folder + "' (" + e.getMessage() + ")",
                        "add " + bridge + " in Syncthing as a Send Only folder with folder ID '" + folder
                                + "', or fix pipeline.target.pixel.folder-id");
                return;
            }
            String type = config.path("type").asText();
            String path = config.path("path").asText();
            if (!type.equals("sendonly")) {
                fail("pixel folder", "folder '" + folder + "' is " + type + ", not Send Only: changes on the phone"
                        + " (Google Photos freeing space) could flow back", "Syncthing GUI: Edit folder > Advanced > Folder Type: Send Only");
            } else if (!Path.of(path).toAbsolutePath().normalize().equals(bridge)) {
                fail("pixel folder", "folder '" + folder + "' is " + path + ", but the pipeline stages into " + bridge,
                        "point the Syncthing folder at " + bridge + " (or pipeline.home at its parent's parent)");
            } else {
                ok("pixel folder", "'" + folder + "' is Send Only over " + bridge);
            }
            boolean shared = false;
            for (JsonNode d : config.path("devices")) {
                shared |= device.equals(d.path("deviceID").asText());
            }
            if (!shared) {
                fail("pixel phone", "folder '" + folder + "' is not shared with the phone " + device.substring(0, 7),
                        "Syncthing GUI: Edit folder > Sharing > tick the phone; on the phone accept it as a Receive Only folder");
                return;
            }
            JsonNode phone = syncthing.connections().get(device);
            if (phone != null && phone.path("connected").asBoolean()) {
                ok("pixel phone", device.substring(0, 7) + " shares the folder and is connected now ("
                        + phone.path("clientVersion").asText() + ")");
            } else {
                warn("pixel phone", device.substring(0, 7) + " shares the folder but is not connected now; staged files wait",
                        "open Syncthing on the phone (Wi-Fi, battery optimisation off for Syncthing)");
            }
        } catch (RuntimeException e) {
            fail("syncthing", e.getMessage(), "see the line above");
        }
    }

    /** What the compress stage decided so far, and the failures it will not retry by itself. */
    private void compression(Ledger ledger, int maxFailures) {
        Map<String, Object> r = ledger.rows("""
                select count(*) filter (where compress_decision = 'compressed') as compressed,
                       count(*) filter (where compress_decision = 'original') as original,
                       count(*) filter (where compress_decision = 'skipped') as skipped,
                       count(*) filter (where compress_decision = 'failed') as failed,
                       count(*) filter (where compress_decision = 'failed' and compress_failures >= ?) as given_up,
                       count(*) filter (where compress_decision is null and original_path is not null) as waiting,
                       coalesce(sum(space_saved) filter (where compress_decision = 'compressed'), 0) as saved
                  from media_files""", maxFailures).get(0);
        ok("compression", String.format("%s compressed (%.1f GiB saved), %s original kept, %s skipped, %s failed, %s waiting",
                r.get("compressed"), ((Number) r.get("saved")).doubleValue() / (1L << 30), r.get("original"),
                r.get("skipped"), r.get("failed"), r.get("waiting")));
        long givenUp = ((Number) r.get("given_up")).longValue();
        if (givenUp > 0) {
            warn("compression", givenUp + " file(s) failed " + maxFailures + " time(s) and are not retried (their originals go out)",
                    "see `select original_name, compress_reason from media_files where compress_decision = 'failed'`;"
                            + " once fixed, `update media_files set compress_failures = 0 where ...` and restart");
        }
    }

    private void add(IcloudUploadCheck.Finding f) {
        switch (f.level()) {
            case OK -> ok(f.what(), f.detail());
            case WARN -> warn(f.what(), f.detail(), f.fix());
            case FAIL -> fail(f.what(), f.detail(), f.fix());
        }
    }

    private void ok(String what, String detail) {
        lines.add(String.format("  OK    %-13s %s", what, detail));
    }

    private void warn(String what, String detail, String fix) {
        lines.add(String.format("  WARN  %-13s %s%n                      fix: %s", what, detail, fix));
    }

    private void fail(String what, String detail, String fix) {
        failures++;
        lines.add(String.format("  FAIL  %-13s %s%n                      fix: %s", what, detail, fix));
    }

    private void print() {
        System.out.println("media-pipeline doctor");
        // a database or Syncthing URL in an error message must not show its credentials
        lines.forEach(l -> System.out.println(Secrets.mask(l)));
        System.out.println(failures == 0 ? "Nothing to fix." : failures + " problem(s) to fix.");
    }
}
