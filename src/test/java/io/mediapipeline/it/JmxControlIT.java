package io.mediapipeline.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mediapipeline.it.CommandLineIT.Result;
import io.mediapipeline.ops.JmxInstall;
import io.mediapipeline.support.PipelineHome;
import java.io.IOException;
import java.io.Reader;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service's JMX as the systemd unit starts it (its own -D options, with this test's folder and port):
 * another local user without the password gets nothing, {@code monitor} reads but cannot act, {@code control}
 * stops and starts a stage, and so does {@code media-pipeline route} without a secret on its command line.
 */
class JmxControlIT {

    private static final ObjectName ORGANIZE = name("org.apache.camel:context=media-pipeline,type=routes,name=\"organize\"");
    private static final ObjectName CONTEXT = name("org.apache.camel:context=media-pipeline,type=context,name=\"media-pipeline\"");

    private static final String SECRET = "sentinel-secret-4e7b91c2";

    @TempDir
    Path tmp;

    @Test
    void jmxWithoutPasswordIsRefusedAndOnlyControlStopsRoutes() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path etc = tmp.resolve("etc");
        Result install = CommandLineIT.run(null, "install-jmx", etc.toString(), "--port", String.valueOf(port));
        assertThat(install.code()).as(install.output()).isEqualTo(0);
        for (String f : List.of(JmxInstall.PROPERTIES, JmxInstall.PASSWORD, JmxInstall.ACCESS)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(etc.resolve(f)))).as(f).isEqualTo("rw-------");
        }
        Properties passwords = load(etc.resolve(JmxInstall.PASSWORD));
        String monitor = passwords.getProperty("monitor");
        String control = passwords.getProperty("control");
        assertThat(monitor).hasSizeGreaterThanOrEqualTo(32).isNotEqualTo(control);
        assertThat(install.output()).doesNotContain(monitor).doesNotContain(control);

        // secrets the service holds (their stages are off, so nothing uses them): monitor must not read them anywhere
        PipelineHome pipeline = new PipelineHome(tmp).set("pipeline.target.pixel.api-key", SECRET)
                .set("pipeline.source.icloud.password", SECRET);
        Path project = PipelineHome.projectDir();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(unitJmxOptions(project.resolve("systemd/media-pipeline.service"), etc, port));
        cmd.addAll(List.of("-Dpipeline.app-home=" + project, "-jar",
                System.getProperty("pipeline.jar", project.resolve("target/media-pipeline.jar").toString()),
                "run", "--config", pipeline.config().toString()));
        Path log = tmp.resolve("service.log");
        Process app = new ProcessBuilder(cmd).directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi");
        try {
            awaitStarted(url, control, app, log);

            assertThatThrownBy(() -> JMXConnectorFactory.connect(url).close())
                    .as("no credentials: refused").isInstanceOf(SecurityException.class);
            assertThatThrownBy(() -> connect(url, "control", "not-the-password").close())
                    .as("a wrong password: refused").isInstanceOf(SecurityException.class);

            try (JMXConnector c = connect(url, "monitor", monitor)) {
                MBeanServerConnection jmx = c.getMBeanServerConnection();
                assertThat(jmx.getAttribute(ORGANIZE, "State")).isEqualTo("Started");
                assertThatThrownBy(() -> jmx.invoke(ORGANIZE, "stop", null, null))
                        .as("monitor cannot stop a route").isInstanceOf(SecurityException.class);
                Path touched = tmp.resolve("touched-by-monitor");
                assertThatThrownBy(() -> jmx.invoke(CONTEXT, "sendBody", new Object[] {"file:" + tmp + "?fileName=touched-by-monitor", "x"},
                        new String[] {"java.lang.String", "java.lang.Object"}))
                        .as("monitor cannot send a message").isInstanceOf(SecurityException.class);
                assertThat(touched).doesNotExist();
                assertThat(jmx.getAttribute(ORGANIZE, "State")).isEqualTo("Started");
                assertThat(readableAttributesContaining(jmx, SECRET)).as("attributes showing a secret to monitor").isEmpty();

                Result stop = CommandLineIT.run(null, "route", "stop", "organize", "--jmx", etc.toString());
                assertThat(stop.code()).as(stop.output()).isEqualTo(0);
                assertThat(stop.output()).contains("organize: Stopped").doesNotContain(control);
                assertThat(jmx.getAttribute(ORGANIZE, "State")).isEqualTo("Stopped");
                Result status = CommandLineIT.run(null, "route", "status", "--jmx", etc.toString());
                assertThat(status.output()).contains("organize: Stopped").contains("ingest: Started");
                Result start = CommandLineIT.run(null, "route", "start", "organize", "--jmx", etc.toString());
                assertThat(start.code()).as(start.output()).isEqualTo(0);
                assertThat(start.output()).contains("organize: Started");
                assertThat(jmx.getAttribute(ORGANIZE, "State")).isEqualTo("Started");
                Result unknown = CommandLineIT.run(null, "route", "stop", "organise", "--jmx", etc.toString());
                assertThat(unknown.code()).isEqualTo(1);
                assertThat(unknown.output()).contains("no route 'organise'").contains("organize");

                try (JMXConnector ctl = connect(url, "control", control)) {
                    ctl.getMBeanServerConnection().invoke(ORGANIZE, "stop", null, null);
                    assertThat(jmx.getAttribute(ORGANIZE, "State")).as("control stops a route").isEqualTo("Stopped");
                    ctl.getMBeanServerConnection().invoke(ORGANIZE, "start", null, null);
                    assertThat(jmx.getAttribute(ORGANIZE, "State")).as("control starts it again").isEqualTo("Started");
                }
            }
        } finally {
            app.destroy();
            assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static List<String> readableAttributesContaining(MBeanServerConnection jmx, String secret) throws Exception {
        List<String> found = new ArrayList<>();
        int read = 0;
        for (ObjectName n : jmx.queryNames(null, null)) {
            for (MBeanAttributeInfo a : jmx.getMBeanInfo(n).getAttributes()) {
                if (!a.isReadable()) {
                    continue;
                }
                try {
                    Object v = jmx.getAttribute(n, a.getName());
                    read++;
                    String text = v instanceof Object[] arr ? Arrays.deepToString(arr) : String.valueOf(v);
                    if (text.contains(secret)) {
                        found.add(n + " " + a.getName());
                    }
                } catch (Exception unreadable) {
                    // an attribute that fails to read shows nothing
                }
            }
        }
        assertThat(read).as("attributes monitor could read").isGreaterThan(100);
        return found;
    }

    /** The unit's JMX and RMI -D options, pointed at this test's folder and port. */
    private static List<String> unitJmxOptions(Path unit, Path etc, int port) throws IOException {
        String text = Files.readString(unit).replace("\\\n", " ");
        Matcher exec = Pattern.compile("(?m)^ExecStart=(.*)$").matcher(text);
        assertThat(exec.find()).as("ExecStart in " + unit).isTrue();
        List<String> out = new ArrayList<>();
        Matcher d = Pattern.compile("-D(com\\.sun\\.management\\.|java\\.rmi\\.)\\S+").matcher(exec.group(1));
        while (d.find()) {
            out.add(d.group().replace("/etc/media-pipeline", etc.toString()).replace("9010", String.valueOf(port)));
        }
        assertThat(out).as("JMX options in the unit").isNotEmpty();
        return out;
    }

    private static void awaitStarted(JMXServiceURL url, String password, Process app, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (true) {
            assertThat(app.isAlive()).as("service running; log:\n" + Files.readString(log)).isTrue();
            try (JMXConnector c = connect(url, "control", password)) {
                MBeanServerConnection jmx = c.getMBeanServerConnection();
                if (jmx.isRegistered(ORGANIZE) && "Started".equals(jmx.getAttribute(ORGANIZE, "State"))) {
                    return;
                }
            } catch (IOException | SecurityException notYet) {
                // JVM still starting; or the unit lets anyone in, which the next checks catch
            }
            assertThat(System.nanoTime()).as("JMX up within 120 s; log:\n" + Files.readString(log)).isLessThan(deadline);
            Thread.sleep(250);
        }
    }

    private static JMXConnector connect(JMXServiceURL url, String user, String password) throws IOException {
        return JMXConnectorFactory.connect(url, Map.of(JMXConnector.CREDENTIALS, new String[] {user, password}));
    }

    private static Properties load(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file)) {
            Properties p = new Properties();
            p.load(r);
            return p;
        }
    }

    private static ObjectName name(String s) {
        try {
            return new ObjectName(s);
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
