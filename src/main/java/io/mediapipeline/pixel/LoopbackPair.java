package io.mediapipeline.pixel;

import io.mediapipeline.proc.ChildProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Two real Syncthing instances on 127.0.0.1 - a "server" with a Send Only folder over the bridge, and
 * a stand-in "phone" with a Receive Only folder - generated, configured for loopback only (no
 * discovery, relays, NAT, upgrades or usage reports), started as single processes (STMONITORED=yes)
 * that die with the JVM, and paired over REST (the phone's folder first, so partial downloads show
 * up as fromTemporary). Used by the tests and by `media-pipeline syncthing-pair` for the demo.
 * Facts behind each step: reference/syncthing-loopback.md.
 */
public final class LoopbackPair implements AutoCloseable {

    public static final String FOLDER_ID = "pixel";

    /** One Syncthing instance. */
    public static final class Instance {
        final String name;
        final Path home;
        final int guiPort;
        final int syncPort;
        final String apiKey;
        String deviceId;
        Process process;

        Instance(String name, Path home, int guiPort, int syncPort, String apiKey) {
            this.name = name;
            this.home = home;
            this.guiPort = guiPort;
            this.syncPort = syncPort;
            this.apiKey = apiKey;
        }

        public String url() {
            return "http://127.0.0.1:" + guiPort;
        }

        public String apiKey() {
            return apiKey;
        }

        public String deviceId() {
            return deviceId;
        }

        public Path home() {
            return home;
        }

        public boolean running() {
            return process != null && process.isAlive();
        }
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Instance server;
    private final Instance phone;
    private final Path serverFolder;
    private final Path phoneFolder;

    private LoopbackPair(Instance server, Instance phone, Path serverFolder, Path phoneFolder) {
        this.server = server;
        this.phone = phone;
        this.serverFolder = serverFolder;
        this.phoneFolder = phoneFolder;
    }

    public static LoopbackPair start(Path base, Path serverFolder) throws IOException, InterruptedException {
        Files.createDirectories(base);
        // both instances' config.xml and pixel.properties hold API keys: only the owner may look inside
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwx------"));
        Instance srv = new Instance("server", base.resolve("server"), freePort(), freePort(), randomKey());
        Instance phn = new Instance("phone", base.resolve("phone"), freePort(), freePort(), randomKey());
        LoopbackPair pair = new LoopbackPair(srv, phn, serverFolder, base.resolve("phone-folder"));
        try {
            for (Instance i : new Instance[] {srv, phn}) {
                generate(i);
            }
            pair.startInstance(srv);
            pair.startInstance(phn);
            pair.awaitReady(srv);
            pair.awaitReady(phn);
            pair.rest(srv, "POST", "/rest/config/devices", deviceJson(phn, "phone"));
            pair.rest(phn, "POST", "/rest/config/devices", deviceJson(srv, "server"));
            // the phone's folder first: then the phone subscribes the server to its download progress
            pair.rest(phn, "POST", "/rest/config/folders", folderJson(pair.phoneFolder, "receiveonly", srv, phn));
            pair.rest(srv, "POST", "/rest/config/folders", folderJson(serverFolder, "sendonly", srv, phn));
            pair.awaitConnected(60_000);
            return pair;
        } catch (IOException | InterruptedException | RuntimeException e) {
            pair.close();
            throw e;
        }
    }

    public Instance server() {
        return server;
    }

    public Instance phone() {
        return phone;
    }

    public Path phoneFolder() {
        return phoneFolder;
    }

    public Path serverFolder() {
        return serverFolder;
    }

    /** The pipeline settings that point the Pixel target at this pair (the API key included: keep the file private). */
    public Map<String, String> pipelineSettings() {
        return Map.of(
                "pipeline.target.pixel.enabled", "true",
                "pipeline.target.pixel.folder-id", FOLDER_ID,
                "pipeline.target.pixel.device-id", phone.deviceId,
                "pipeline.target.pixel.syncthing.url", server.url(),
                "pipeline.target.pixel.api-key", server.apiKey);
    }

    /** Pauses the phone on the server (the connection drops at once). */
    public void pausePhone() throws IOException, InterruptedException {
        rest(server, "POST", "/rest/system/pause?device=" + phone.deviceId, null);
    }

    public void resumePhone() throws IOException, InterruptedException {
        rest(server, "POST", "/rest/system/resume?device=" + phone.deviceId, null);
        awaitConnected(30_000);
    }

    /** The phone notices local changes (a deleted file) only when it scans. */
    public void scanPhone() throws IOException, InterruptedException {
        rest(phone, "POST", "/rest/db/scan?folder=" + FOLDER_ID, null);
    }

    /** Limits the phone's download rate, also on loopback (limitBandwidthInLan). */
    public void limitPhone(int kbps) throws IOException, InterruptedException {
        rest(phone, "PATCH", "/rest/config/options",
                "{\"maxRecvKbps\":" + kbps + ",\"limitBandwidthInLan\":" + (kbps > 0) + "}");
    }

    public void stop(Instance i) throws InterruptedException {
        if (i.process != null && i.process.isAlive()) {
            i.process.destroy(); // SIGTERM: a single process (STMONITORED), exits cleanly in about a second
            if (!i.process.waitFor(15, TimeUnit.SECONDS)) {
                i.process.destroyForcibly();
                i.process.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    public void restart(Instance i) throws IOException, InterruptedException {
        stop(i);
        startInstance(i);
        awaitReady(i);
        awaitConnected(30_000);
    }

    public String rest(Instance i, String method, String path, String json) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(i.url() + path)).timeout(Duration.ofSeconds(60))
                .header("X-API-Key", i.apiKey);
        if (json != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IOException(i.name + " " + method + " " + path + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    @Override
    public void close() throws InterruptedException {
        stop(phone);
        stop(server);
    }

    // ---- setup ------------------------------------------------------------------------------

    private static void generate(Instance i) throws IOException, InterruptedException {
        if (!Files.exists(i.home.resolve("config.xml"))) {
            run("syncthing", "generate", "--home=" + i.home, "--no-default-folder", "--skip-port-probing");
        }
        i.deviceId = run("syncthing", "--home=" + i.home, "--device-id").trim();
        Path config = i.home.resolve("config.xml");
        String xml = Files.readString(config);
        xml = replaceIn(xml, "gui", "address", "127.0.0.1:" + i.guiPort);
        xml = replaceIn(xml, "gui", "apikey", i.apiKey);
        xml = xml.replaceAll("<listenAddress>[^<]*</listenAddress>", "<listenAddress>tcp://127.0.0.1:" + i.syncPort + "</listenAddress>");
        for (var e : Map.of("globalAnnounceEnabled", "false", "localAnnounceEnabled", "false", "relaysEnabled", "false",
                "natEnabled", "false", "startBrowser", "false", "urAccepted", "-1", "crashReportingEnabled", "false",
                "autoUpgradeIntervalH", "0", "restartOnWakeup", "false", "reconnectionIntervalS", "5").entrySet()) {
            xml = xml.replaceAll("<" + e.getKey() + ">[^<]*</" + e.getKey() + ">", "<" + e.getKey() + ">" + e.getValue() + "</" + e.getKey() + ">");
        }
        Files.writeString(config, xml);
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
    }

    private static String replaceIn(String xml, String section, String tag, String value) {
        int start = xml.indexOf("<" + section + " ");
        int end = xml.indexOf("</" + section + ">", start);
        if (start < 0 || end < 0) {
            throw new IllegalStateException("config.xml has no <" + section + "> section");
        }
        String part = xml.substring(start, end).replaceFirst("<" + tag + ">[^<]*</" + tag + ">",
                "<" + tag + ">" + value + "</" + tag + ">");
        return xml.substring(0, start) + part + xml.substring(end);
    }

    private void startInstance(Instance i) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("syncthing", "serve", "--home=" + i.home, "--no-browser", "--no-restart",
                "--no-upgrade", "--no-default-folder", "--logflags=3")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(i.home.resolve("syncthing.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        i.process = ChildProcess.of(pb).env(Map.of("STNORESTART", "1", "STNOUPGRADE", "1", "STNODEFAULTFOLDER", "1",
                "STMONITORED", "yes")).start(); // one process, no monitor parent that would survive us
    }

    private void awaitReady(Instance i) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try {
                rest(i, "GET", "/rest/system/ping", null);
                return;
            } catch (IOException e) {
                if (!i.process.isAlive()) {
                    throw new IOException("syncthing (" + i.name + ") exited; see " + i.home.resolve("syncthing.log"));
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("syncthing (" + i.name + ") did not answer within 30 s: " + e.getMessage());
                }
                Thread.sleep(50);
            }
        }
    }

    /**
     * Both sides see each other connected. Once in a while (a loaded machine, a first dial that met the other
     * side before it knew the device) neither side dials again for up to a minute (Syncthing's connection loop
     * sleep, syncthing#7600): every 10 s without a connection, the phone is paused and resumed on the server,
     * and a resumed device is dialled at once (syncthing#7798, in 1.18 and later).
     */
    public void awaitConnected(long millis) throws IOException, InterruptedException {
        long start = System.nanoTime();
        long deadline = start + millis * 1_000_000L;
        long nextNudge = start + 10_000_000_000L;
        while (true) {
            String s = rest(server, "GET", "/rest/system/connections", null);
            String p = rest(phone, "GET", "/rest/system/connections", null);
            if (connected(s, phone.deviceId) && connected(p, server.deviceId)) {
                return;
            }
            if (System.nanoTime() > nextNudge) {
                nextNudge = System.nanoTime() + 10_000_000_000L;
                rest(server, "POST", "/rest/system/pause?device=" + phone.deviceId, null);
                rest(server, "POST", "/rest/system/resume?device=" + phone.deviceId, null);
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("the loopback Syncthing pair did not connect within " + millis + " ms\n--- server log:\n"
                        + tail(server) + "\n--- phone log:\n" + tail(phone));
            }
            Thread.sleep(50);
        }
    }

    private static String tail(Instance i) {
        try {
            List<String> lines = Files.readAllLines(i.home.resolve("syncthing.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 25), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static boolean connected(String connectionsJson, String device) {
        int at = connectionsJson.indexOf("\"" + device + "\"");
        if (at < 0) {
            return false;
        }
        int end = connectionsJson.indexOf('}', at);
        return connectionsJson.substring(at, end).replace(" ", "").contains("\"connected\":true");
    }

    private static String deviceJson(Instance other, String name) {
        return "{\"deviceID\":\"" + other.deviceId + "\",\"name\":\"" + name + "\",\"addresses\":[\"tcp://127.0.0.1:"
                + other.syncPort + "\"],\"autoAcceptFolders\":false}";
    }

    private static String folderJson(Path path, String type, Instance a, Instance b) {
        return "{\"id\":\"" + FOLDER_ID + "\",\"label\":\"Pixel\",\"path\":\"" + jsonEscape(path.toAbsolutePath().toString())
                + "\",\"type\":\"" + type + "\",\"devices\":[{\"deviceID\":\"" + a.deviceId + "\"},{\"deviceID\":\""
                + b.deviceId + "\"}],\"fsWatcherEnabled\":false,\"rescanIntervalS\":3600}";
    }

    private static String jsonEscape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String randomKey() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = ChildProcess.start(new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out.strip());
        }
        return out;
    }

    /** `media-pipeline syncthing-pair DIR SERVER_FOLDER`: runs the pair until stopped (SIGTERM/Ctrl-C). */
    public static int cli(Path dir, Path serverFolder) throws Exception {
        LoopbackPair pair = start(dir, serverFolder);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                pair.close();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }));
        StringBuilder props = new StringBuilder("# written by media-pipeline syncthing-pair; holds an API key, keep private\n");
        new java.util.TreeMap<>(pair.pipelineSettings()).forEach((k, v) -> props.append(k).append('=').append(v).append('\n'));
        Path out = dir.resolve("pixel.properties");
        Path tmp = dir.resolve(".pixel.properties.tmp");
        Files.writeString(tmp, props);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        Files.move(tmp, out, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        System.out.println("Syncthing pair running: server " + pair.server.url() + " (folder '" + FOLDER_ID + "' over "
                + serverFolder + "), phone " + pair.phone.url() + " receiving into " + pair.phoneFolder);
        System.out.println("Pipeline settings written to " + out + "; stop with Ctrl-C or SIGTERM.");
        while (pair.server.running() && pair.phone.running()) {
            Thread.sleep(500);
        }
        System.err.println("a Syncthing instance exited; see " + dir + "/*/syncthing.log");
        return 1;
    }
}
