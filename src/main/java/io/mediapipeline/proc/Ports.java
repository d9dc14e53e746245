package io.mediapipeline.proc;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Ports for the servers we start on the loopback interface. */
public final class Ports {

    public static final String LOOPBACK = "127.0.0.1";

    private Ports() {
    }

    /** A port free on 127.0.0.1 at this moment; the server that takes it may still lose a race for it. */
    public static int freePort() throws IOException {
        return freePorts(1)[0];
    }

    /**
     * n ports free on 127.0.0.1 at this moment, all different: each is held until all are chosen (one after another,
     * the system may give a port it just gave back again).
     */
    public static int[] freePorts(int n) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                // the address the servers listen on, not ::1, which getLoopbackAddress() may give
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK));
                held.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : held) {
                socket.close();
            }
        }
    }
}
