package io.mediapipeline.ops;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The pipeline's own numbers (counters and gauges with dotted names such as
 * {@code pixel.failures.unreachable} or {@code icloud.anna.session-days-left}), published over JMX
 * as one MBean, {@code io.mediapipeline:type=Metrics}, next to Camel's route MBeans. The coming
 * health/metrics endpoint reads the same {@link #snapshot()}.
 */
public final class Metrics implements DynamicMBean {

    public static final String OBJECT_NAME = "io.mediapipeline:type=Metrics";

    private final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();
    private final Map<String, Supplier<Number>> gauges = new ConcurrentHashMap<>();

    public void increment(String name) {
        counters.computeIfAbsent(name, k -> new AtomicLong()).incrementAndGet();
    }

    public void add(String name, long delta) {
        counters.computeIfAbsent(name, k -> new AtomicLong()).addAndGet(delta);
    }

    public void set(String name, long value) {
        counters.computeIfAbsent(name, k -> new AtomicLong()).set(value);
    }

    public void gauge(String name, Supplier<Number> value) {
        gauges.put(name, value);
    }

    public Map<String, Number> snapshot() {
        Map<String, Number> out = new TreeMap<>();
        counters.forEach((k, v) -> out.put(k, v.get()));
        gauges.forEach((k, v) -> {
            Number n = read(v);
            if (n != null) {
                out.put(k, n);
            }
        });
        return out;
    }

    private static Number read(Supplier<Number> s) {
        try {
            return s.get();
        } catch (RuntimeException e) {
            return null; // a gauge that cannot be read right now is left out rather than failing the MBean
        }
    }

    /** Registers this instance, replacing one left by an earlier app in the same JVM (tests run several). */
    public Metrics register() {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName(OBJECT_NAME);
            if (server.isRegistered(name)) {
                server.unregisterMBean(name);
            }
            server.registerMBean(this, name);
            return this;
        } catch (JMException e) {
            throw new IllegalStateException("cannot publish metrics over JMX: " + e.getMessage(), e);
        }
    }

    @Override
    public Object getAttribute(String attribute) throws AttributeNotFoundException {
        Number n = snapshot().get(attribute);
        if (n == null) {
            throw new AttributeNotFoundException(attribute);
        }
        return n.doubleValue();
    }

    @Override
    public void setAttribute(Attribute attribute) {
        throw new UnsupportedOperationException("metrics are read-only");
    }

    @Override
    public AttributeList getAttributes(String[] attributes) {
        AttributeList list = new AttributeList();
        Map<String, Number> all = snapshot();
        for (String a : attributes) {
            if (all.containsKey(a)) {
                list.add(new Attribute(a, all.get(a).doubleValue()));
            }
        }
        return list;
    }

    @Override
    public AttributeList setAttributes(AttributeList attributes) {
        return new AttributeList();
    }

    @Override
    public Object invoke(String actionName, Object[] params, String[] signature) {
        throw new UnsupportedOperationException(actionName);
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        MBeanAttributeInfo[] attrs = snapshot().keySet().stream()
                .map(k -> new MBeanAttributeInfo(k, "java.lang.Double", k, true, false, false))
                .toArray(MBeanAttributeInfo[]::new);
        return new MBeanInfo(Metrics.class.getName(), "Media Pipeline metrics", attrs, null, null, null);
    }
}
