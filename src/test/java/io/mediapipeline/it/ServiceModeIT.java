package io.mediapipeline.it;

import static io.mediapipeline.support.PipelineHome.files;
import static org.assertj.core.api.Assertions.assertThat;

import io.mediapipeline.support.PipelineHome;
import io.mediapipeline.support.Tools;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Service mode as systemd runs it: routes are stopped and started over JMX by their stable names,
 * each busy period gets a run report, and SIGTERM shuts down gracefully with exit code 143 and
 * without leaving the embedded PostgreSQL behind.
 */
class ServiceModeIT {

    @TempDir
    Path tmp;

    @Test
    void routesStopAndStartOverJmxAndSigtermShutsDownCleanly() throws Exception {
        PipelineHome pipeline = new PipelineHome(tmp).set("pipeline.source.folder.poll-seconds", "1");
        int jmxPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            jmxPort = s.getLocalPort();
        }
        Path project = PipelineHome.projectDir();
        String jar = System.getProperty("pipeline.jar", project.resolve("target/media-pipeline.jar").toString());
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dcom.sun.management.jmxremote.port=" + jmxPort, "-Dcom.sun.management.jmxremote.rmi.port=" + jmxPort,
                "-Dcom.sun.management.jmxremote.host=127.0.0.1", "-Djava.rmi.server.hostname=127.0.0.1",
                "-Dcom.sun.management.jmxremote.authenticate=false", "-Dcom.sun.management.jmxremote.ssl=false",
                "-Dpipeline.app-home=" + project, "-jar", jar, "run", "--config", pipeline.config().toString()));
        Path log = tmp.resolve("service.log");
        Process app = new ProcessBuilder(cmd).directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            ObjectName organize = new ObjectName("org.apache.camel:context=media-pipeline,type=routes,name=\"organize\"");
            MBeanServerConnection jmx = connect(jmxPort, organize, app, log);
            assertThat(jmx.getAttribute(organize, "State")).isEqualTo("Started");

            Tools.photos(pipeline.library(), "first_", 1, "2020:01:01 12:00:00");
            await("first photo archived", () -> files(pipeline.sorted()).size() == 1, log);

            jmx.invoke(organize, "stop", null, null);
            assertThat(jmx.getAttribute(organize, "State")).isEqualTo("Stopped");
            Tools.photos(pipeline.library(), "second_", 1, "2020:01:02 12:00:00");
            await("second photo ingested", () -> files(pipeline.home().resolve("originals")).size() == 2, log);
            Thread.sleep(2000);
            assertThat(files(pipeline.sorted())).as("organize is stopped: nothing new archived").hasSize(1);

            jmx.invoke(organize, "start", null, null);
            await("second photo archived after the route was started again", () -> files(pipeline.sorted()).size() == 2, log);
            await("a run report for the busy period", () -> !files(pipeline.home().resolve("reports")).isEmpty(), log);
        } finally {
            app.destroy(); // SIGTERM, as systemd stops the service
            assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(app.exitValue()).as("SIGTERM exit code (systemd SuccessExitStatus=143)").isEqualTo(143);
        String out = Files.readString(log);
        assertThat(out).contains("PostgreSQL on port").contains("stopped");
        Path pid = pipeline.home().resolve("state/postgres/data/postmaster.pid");
        assertThat(pid).as("the embedded server shut down cleanly").doesNotExist();
    }

    private static MBeanServerConnection connect(int port, ObjectName route, Process app, Path log) throws Exception {
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi");
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            assertThat(app.isAlive()).as("service running; log:\n" + Files.readString(log)).isTrue();
            try {
                JMXConnector c = JMXConnectorFactory.connect(url);
                MBeanServerConnection jmx = c.getMBeanServerConnection();
                if (jmx.isRegistered(route) && "Started".equals(jmx.getAttribute(route, "State"))) {
                    return jmx;
                }
                c.close();
            } catch (java.io.IOException notYet) {
                // JVM still starting
            }
            assertThat(System.nanoTime()).as("JMX up within 90 s").isLessThan(deadline);
            Thread.sleep(250);
        }
    }

    private static void await(String what, BooleanSupplier condition, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what + "\nlog:\n" + Files.readString(log));
            }
            Thread.sleep(200);
        }
    }
}
