package io.mediapipeline.ops;

import io.mediapipeline.config.ConfigException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * {@code media-pipeline route stop|start|status [ROUTE]}: stops or starts a stage of the running service over
 * its authenticated JMX, as the {@code control} role, with the password read from the 0600 file that
 * {@link JmxInstall} wrote, so no secret is ever on a command line.
 */
public final class RouteControl {

    public static final String USAGE = "usage: media-pipeline route stop|start|status [ROUTE] [--jmx DIR]"
            + " (DIR: where install-jmx wrote the files, default /etc/media-pipeline)";
    /** camel.main.name in config/application.properties: the JMX context key of every route. */
    private static final String CONTEXT = "media-pipeline";

    private RouteControl() {
    }

    public static int cli(List<String> args) throws Exception {
        Path dir = Path.of("/etc/media-pipeline");
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("--jmx") && i + 1 < args.size()) {
                dir = Path.of(args.get(++i));
            } else {
                rest.add(args.get(i));
            }
        }
        String action = rest.isEmpty() ? "" : rest.get(0);
        String route = rest.size() > 1 ? rest.get(1) : null;
        if (rest.size() > 2 || !action.matches("stop|start|status") || route == null && !action.equals("status")) {
            System.err.println(USAGE);
            return 2;
        }
        Path config = dir.resolve(JmxInstall.PROPERTIES);
        Properties jmx = read(config);
        String port = jmx.getProperty("com.sun.management.jmxremote.port", "");
        String passwordFile = jmx.getProperty("com.sun.management.jmxremote.password.file", "");
        if (!port.matches("[0-9]+") || passwordFile.isBlank()) {
            throw new ConfigException(config + " names no JMX port or password file (write it with bin/media-pipeline install-jmx)");
        }
        String password = read(Path.of(passwordFile)).getProperty(JmxInstall.CONTROL);
        if (password == null || password.isBlank()) {
            throw new ConfigException(passwordFile + " has no '" + JmxInstall.CONTROL + "' entry (write it with bin/media-pipeline install-jmx)");
        }
        String host = jmx.getProperty("com.sun.management.jmxremote.host", "127.0.0.1");
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://" + host + ":" + port + "/jmxrmi");
        JMXConnector connector;
        try {
            connector = JMXConnectorFactory.connect(url, Map.of(JMXConnector.CREDENTIALS,
                    new String[] {JmxInstall.CONTROL, password.trim()}));
        } catch (IOException e) {
            System.err.println("route: cannot reach the service's JMX on " + host + ":" + port + " (is it running?): " + e.getMessage());
            return 1;
        } catch (SecurityException e) {
            System.err.println("route: the service refused the control credentials from " + passwordFile
                    + " (restart it after install-jmx): " + e.getMessage());
            return 1;
        }
        try (connector) {
            return act(connector.getMBeanServerConnection(), CONTEXT, action, route);
        }
    }

    private static int act(MBeanServerConnection jmx, String context, String action, String route) throws Exception {
        Map<String, String> states = new TreeMap<>();
        for (ObjectName n : jmx.queryNames(new ObjectName("org.apache.camel:context=" + context + ",type=routes,*"), null)) {
            states.put(ObjectName.unquote(n.getKeyProperty("name")), String.valueOf(jmx.getAttribute(n, "State")));
        }
        if (route == null) {
            states.forEach((id, state) -> System.out.println(id + ": " + state));
            return 0;
        }
        if (!states.containsKey(route)) {
            System.err.println("route: no route '" + route + "' (routes: " + String.join(", ", states.keySet()) + ")");
            return 1;
        }
        ObjectName name = new ObjectName("org.apache.camel:context=" + context + ",type=routes,name=" + ObjectName.quote(route));
        if (!action.equals("status")) {
            jmx.invoke(name, action, null, null);
        }
        System.out.println(route + ": " + jmx.getAttribute(name, "State"));
        return 0;
    }

    private static Properties read(Path file) {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Properties p = new Properties();
            p.load(r);
            return p;
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + " does not exist (write it with bin/media-pipeline install-jmx)");
        } catch (AccessDeniedException e) {
            throw new ConfigException("cannot read " + file + " (mode 0600: run this as the service user or root)");
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + " (" + e.getMessage() + ")");
        }
    }
}
