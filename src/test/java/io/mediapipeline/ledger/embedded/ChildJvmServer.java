package io.mediapipeline.ledger.embedded;

import java.nio.file.Path;

/**
 * Run in a child JVM by {@link EmbeddedPostgresTest}: starts a server, reports "READY port pid"
 * (or "FAILED message") on stdout, then waits to be killed.
 *
 * <p>Arguments: binariesRoot dataDir logFile parentDeathSignal(true|false) passwordFile.
 */
public final class ChildJvmServer {

    private ChildJvmServer() {
    }

    public static void main(String[] args) throws InterruptedException {
        EmbeddedPostgres server;
        try {
            server = EmbeddedPostgres.builder()
                    .binariesRoot(Path.of(args[0]))
                    .dataDir(Path.of(args[1]))
                    .logFile(Path.of(args[2]))
                    .parentDeathSignal(Boolean.parseBoolean(args[3]))
                    .passwordFile(Path.of(args[4]))
                    .start();
        } catch (Exception e) {
            System.out.println("FAILED " + String.valueOf(e.getMessage()).replace('\n', ' '));
            System.exit(1);
            return;
        }
        System.out.println("READY " + server.port() + " " + server.pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
