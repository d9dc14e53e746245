package io.mediapipeline.ops;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

/**
 * {@code media-pipeline install-jmx [DIR] [--owner USER] [--port N]}: writes the JDK management files for
 * authenticated JMX on 127.0.0.1 with two roles, {@code monitor} (reads attributes only) and {@code control}
 * (every operation: as powerful as the service user). Passwords are random, every file is 0600 and owned by
 * the service user, and nothing secret is printed.
 */
public final class JmxInstall {

    public static final String PROPERTIES = "jmx.properties";
    public static final String PASSWORD = "jmx.password";
    public static final String ACCESS = "jmx.access";
    public static final String MONITOR = "monitor";
    public static final String CONTROL = "control";
    public static final String SERVICE_USER = "media-pipeline";

    private static final String USAGE = "usage: media-pipeline install-jmx [DIR] [--owner USER] [--port N]"
            + " (default /etc/media-pipeline, the user media-pipeline if it exists, port 9010)";

    private JmxInstall() {
    }

    public static int cli(List<String> args) throws IOException {
        Path dir = Path.of("/etc/media-pipeline");
        String owner = null;
        int port = 9010;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if ((a.equals("--owner") || a.equals("--port")) && i + 1 < args.size()) {
                String v = args.get(++i);
                if (a.equals("--owner")) {
                    owner = v;
                } else if (v.matches("[0-9]{1,5}") && Integer.parseInt(v) > 0 && Integer.parseInt(v) < 65536) {
                    port = Integer.parseInt(v);
                } else {
                    System.err.println("install-jmx: --port expects 1-65535, got '" + v + "'");
                    return 2;
                }
            } else if (!a.startsWith("-")) {
                dir = Path.of(a).toAbsolutePath();
            } else {
                System.err.println(USAGE);
                return 2;
            }
        }
        UserPrincipal user = owner(dir, owner);
        install(dir, port, user);
        System.out.println("JMX files written to " + dir + " (mode 0600, owner " + user.getName() + "): " + PROPERTIES
                + ", " + PASSWORD + ", " + ACCESS + "; start the service with -Dcom.sun.management.config.file="
                + dir.resolve(PROPERTIES) + " (restart it if it runs: the passwords are new)");
        return 0;
    }

    /** Writes the three files, each atomically, with fresh random passwords. */
    public static void install(Path dir, int port, UserPrincipal owner) throws IOException {
        if (!Files.isDirectory(dir)) {
            // the files themselves are 0600; the folder only has to let the service user reach them
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        }
        SecureRandom random = new SecureRandom();
        write(dir, PASSWORD, owner, "# written by media-pipeline install-jmx: role password (keep 0600, owner the service user)\n"
                + MONITOR + " " + password(random) + "\n" + CONTROL + " " + password(random) + "\n");
        write(dir, ACCESS, owner, """
                # written by media-pipeline install-jmx
                # monitor reads attributes only: route states, counters, io.mediapipeline:type=Metrics
                monitor readonly
                # control may invoke every operation (stop a route, but also Camel's sendBody or a JVM diagnostic
                # command): it is as powerful as the service user, so only the service user and root can read its password
                control readwrite
                """);
        write(dir, PROPERTIES, owner, "# written by media-pipeline install-jmx; the JVM reads it with"
                + " -Dcom.sun.management.config.file\n"
                + "com.sun.management.jmxremote.host=127.0.0.1\n"
                + "com.sun.management.jmxremote.port=" + port + "\n"
                + "com.sun.management.jmxremote.rmi.port=" + port + "\n"
                + "com.sun.management.jmxremote.authenticate=true\n"
                + "com.sun.management.jmxremote.password.file=" + dir.resolve(PASSWORD) + "\n"
                + "com.sun.management.jmxremote.access.file=" + dir.resolve(ACCESS) + "\n"
                // `route` reads the control password from the file; it is 0600 like a hash would be
                + "com.sun.management.jmxremote.password.toHashes=false\n"
                // loopback only: nothing on the wire leaves the machine
                + "com.sun.management.jmxremote.ssl=false\n"
                + "com.sun.management.jmxremote.registry.ssl=false\n");
    }

    private static UserPrincipal owner(Path dir, String name) throws IOException {
        var lookup = dir.getFileSystem().getUserPrincipalLookupService();
        if (name != null) {
            return lookup.lookupPrincipalByName(name);
        }
        try {
            return lookup.lookupPrincipalByName(SERVICE_USER);
        } catch (UserPrincipalNotFoundException e) {
            return lookup.lookupPrincipalByName(System.getProperty("user.name"));
        }
    }

    private static String password(SecureRandom random) {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** 0600 from creation (never readable by others, not even for a moment), synced, then renamed into place. */
    private static void write(Path dir, String name, UserPrincipal owner, String text) throws IOException {
        Path tmp = dir.resolve("." + name + ".tmp");
        Files.deleteIfExists(tmp);
        try (FileChannel ch = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        Files.setOwner(tmp, owner);
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
