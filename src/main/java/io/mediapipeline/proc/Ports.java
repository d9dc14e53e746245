package io.mediapipeline.proc;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Ports for the servers we start on the loopback interface. */
public final class Ports {

    public static final String LOOPBACK = "127.0.0.1";

    private Ports() {
    }

    /** A port free on 127.0.0.1 at this moment; the server that takes it may still lose a race for it. */
    public static int freePort() throws IOException {
        // the address the servers listen on, not ::1, which getLoopbackAddress() may give
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return socket.getLocalPort();
        }
    }
}
