package io.mediapipeline.ops;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
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
 * {@code pixel.failures.unreachable} or {@code icloud.anna.session-days-left}). Each one is a Micrometer meter in
 * {@link #registry()}, the Prometheus registry Camel's metrics use too (bound as {@link #CAMEL_REGISTRY}), named as
 * {@link MetricNames} maps it; the same numbers are published over JMX as one MBean,
 * {@code io.mediapipeline:type=Metrics}, with the dotted names as attributes, and read by {@link #snapshot()}.
 */
public final class Metrics implements DynamicMBean {

    public static final String OBJECT_NAME = "io.mediapipeline:type=Metrics";
    /** The registry name camel-micrometer-prometheus looks up before it makes its own. */
    public static final String CAMEL_REGISTRY = "metricsRegistry";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> levels = new ConcurrentHashMap<>();
    private final Map<String, Supplier<Number>> gauges = new ConcurrentHashMap<>();

    /** Where the meters live; Camel's own meters join it once Camel starts. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public void increment(String name) {
        counter(name).incrementAndGet();
    }

    public void add(String name, long delta) {
        counter(name).addAndGet(delta);
    }

    /** A level that goes up and down (files outstanding, phone connected): a gauge. */
    public void set(String name, long value) {
        levels.computeIfAbsent(name, k -> {
            AtomicLong level = new AtomicLong();
            MetricNames.Id id = MetricNames.of(k);
            Gauge.builder(id.name(), level, AtomicLong::get).tags(id.tags()).strongReference(true).register(registry);
            return level;
        }).set(value);
    }

    /** A gauge read when asked; registering a name again replaces what it reads. */
    public void gauge(String name, Supplier<Number> value) {
        if (gauges.put(name, value) == null) {
            MetricNames.Id id = MetricNames.of(name);
            Gauge.builder(id.name(), () -> {
                Number n = read(gauges.get(name));
                return n == null ? Double.NaN : n;
            }).tags(id.tags()).strongReference(true).register(registry);
        }
    }

    private AtomicLong counter(String name) {
        return counters.computeIfAbsent(name, k -> {
            AtomicLong count = new AtomicLong();
            MetricNames.Id id = MetricNames.of(k);
            FunctionCounter.builder(id.name(), count, AtomicLong::doubleValue).tags(id.tags()).register(registry);
            return count;
        });
    }

    public Map<String, Number> snapshot() {
        Map<String, Number> out = new TreeMap<>();
        counters.forEach((k, v) -> out.put(k, v.get()));
        levels.forEach((k, v) -> out.put(k, v.get()));
        gauges.forEach((k, v) -> {
            Number n = read(v);
            if (n != null) {
                out.put(k, n);
            }
        });
        return out;
    }

    private static Number read(Supplier<Number> s) {
        if (s == null) {
            return null;
        }
        try {
            return s.get();
        } catch (RuntimeException e) {
            return null; // a gauge that cannot be read right now is left out rather than failing the scrape
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
