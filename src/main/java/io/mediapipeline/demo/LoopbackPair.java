package io.mediapipeline.demo;

import io.mediapipeline.proc.Ports;
import io.mediapipeline.proc.PrivateDir;
import io.mediapipeline.proc.ChildProcess;
import io.mediapipeline.syncthing.SyncthingClient;
import io.mediapipeline.syncthing.SyncthingException;
import java.io.IOException;
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
 * up as fromTemporary). Used by the tests and by `media-pipeline syncthing-pair` for the demo. Both
 * instances are driven through {@link SyncthingClient}, the client the Pixel target uses.
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
        final SyncthingClient client;
        String deviceId;
        Process process;

        Instance(String name, Path home, int guiPort, int syncPort, String apiKey) {
            this.name = name;
            this.home = home;
            this.guiPort = guiPort;
            this.syncPort = syncPort;
            this.apiKey = apiKey;
            this.client = SyncthingClient.standalone(url(), apiKey, Duration.ofSeconds(2), Duration.ofSeconds(60));
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

        public SyncthingClient client() {
            return client;
        }

        public boolean running() {
            return process != null && process.isAlive();
        }

        /** The running instance's process id (to freeze it with SIGSTOP in a test). */
        public long pid() {
            return process.pid();
        }
    }

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
        // both instances' config.xml and pixel.properties hold API keys: only the owner may look inside
        PrivateDir.create(base);
        // four different ports: two instances listening on one port would each only ever reach itself
        int[] ports = Ports.freePorts(4);
        Instance srv = new Instance("server", base.resolve("server"), ports[0], ports[1], randomKey());
        Instance phn = new Instance("phone", base.resolve("phone"), ports[2], ports[3], randomKey());
        LoopbackPair pair = new LoopbackPair(srv, phn, serverFolder, base.resolve("phone-folder"));
        try {
            for (Instance i : new Instance[] {srv, phn}) {
                generate(i);
            }
            pair.startInstance(srv);
            pair.startInstance(phn);
            pair.awaitReady(srv);
            pair.awaitReady(phn);
            srv.client.addDevice(device(phn, "phone"));
            phn.client.addDevice(device(srv, "server"));
            // the phone's folder first: then the phone subscribes the server to its download progress
            phn.client.addFolder(folder(pair.phoneFolder, "receiveonly", srv, phn));
            srv.client.addFolder(folder(serverFolder, "sendonly", srv, phn));
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
        server.client.pause(phone.deviceId);
    }

    public void resumePhone() throws IOException, InterruptedException {
        server.client.resume(phone.deviceId);
        awaitConnected(30_000);
    }

    /** The phone notices local changes (a deleted file) only when it scans. */
    public void scanPhone() throws IOException, InterruptedException {
        phone.client.scan(FOLDER_ID);
    }

    /** Limits the phone's download rate, also on loopback (limitBandwidthInLan). */
    public void limitPhone(int kbps) throws IOException, InterruptedException {
        phone.client.patchOptions(Map.of("maxRecvKbps", kbps, "limitBandwidthInLan", kbps > 0));
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

    /** A raw REST call for tests: the path carries its encoded query; a non-2xx answer is an IOException. */
    public String rest(Instance i, String method, String path, String json) throws IOException, InterruptedException {
        try {
            return i.client.send(method, path, json);
        } catch (SyncthingException e) {
            throw new IOException(i.name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        try {
            stop(phone);
            stop(server);
        } finally {
            phone.client.close();
            server.client.close();
        }
    }

    // ---- setup ------------------------------------------------------------------------------

    private static void generate(Instance i) throws IOException, InterruptedException {
        i.deviceId = SyncthingHome.prepare(i.home, "127.0.0.1:" + i.guiPort, i.apiKey, "tcp://127.0.0.1:" + i.syncPort);
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
                i.client.ping();
                return;
            } catch (SyncthingException e) {
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
            if (server.client.connectedTo(phone.deviceId) && phone.client.connectedTo(server.deviceId)) {
                return;
            }
            if (System.nanoTime() > nextNudge) {
                nextNudge = System.nanoTime() + 10_000_000_000L;
                server.client.pause(phone.deviceId);
                server.client.resume(phone.deviceId);
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

    private static Map<String, Object> device(Instance other, String name) {
        return Map.of("deviceID", other.deviceId, "name", name, "addresses", List.of("tcp://127.0.0.1:" + other.syncPort),
                "autoAcceptFolders", false);
    }

    private static Map<String, Object> folder(Path path, String type, Instance a, Instance b) {
        return Map.of("id", FOLDER_ID, "label", "Pixel", "path", path.toAbsolutePath().toString(), "type", type,
                "devices", List.of(Map.of("deviceID", a.deviceId), Map.of("deviceID", b.deviceId)),
                "fsWatcherEnabled", false, "rescanIntervalS", 3600);
    }


    private static String randomKey() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
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
