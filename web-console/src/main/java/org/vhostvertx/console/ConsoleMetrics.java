package org.vhostvertx.console;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;

/**
 * Where /metrics comes from. When the launcher created Vert.x with {@link #vertxBuilder} (the
 * console is enabled), Vert.x's own Micrometer registry, with the JVM and Vert.x metrics, is shared
 * and our device meters are added to it. Otherwise (an embedding that made its own Vert.x, such as
 * the tests' in-JVM back end) the console makes a standalone Prometheus registry with the JVM
 * metrics only.
 */
public final class ConsoleMetrics {

    /** The name of the Vert.x Micrometer registry the launcher sets up. */
    public static final String REGISTRY = "vhost-vertx";

    private ConsoleMetrics() {
    }

    /** Vert.x metrics into a Prometheus registry, JVM metrics included. */
    public static MicrometerMetricsOptions vertxMetricsOptions() {
        return new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
                .setRegistryName(REGISTRY)
                .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true));
    }

    /**
     * A Vert.x builder with these options and Micrometer metrics switched on, unless the options
     * already ask for metrics of their own. For the launcher's {@code createVertxBuilder} hook.
     */
    public static VertxBuilder vertxBuilder(VertxOptions options) {
        if (options.getMetricsOptions() == null || !options.getMetricsOptions().isEnabled()) {
            options.setMetricsOptions(vertxMetricsOptions());
        }
        return Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory());
    }

    /** A registry to publish: Vert.x's when it has one, else a new one with JVM metrics. */
    static Registry registry(Vertx vertx) {
        if (vertx.isMetricsEnabled()) {
            MeterRegistry shared = BackendRegistries.getNow(REGISTRY);
            if (shared == null) {
                shared = BackendRegistries.getDefaultNow();
            }
            if (shared instanceof PrometheusMeterRegistry p) {
                return new Registry(p, true, null);
            }
        }
        PrometheusMeterRegistry own = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        JvmGcMetrics gc = new JvmGcMetrics();
        new ClassLoaderMetrics().bindTo(own);
        new JvmMemoryMetrics().bindTo(own);
        gc.bindTo(own);
        new JvmThreadMetrics().bindTo(own);
        new ProcessorMetrics().bindTo(own);
        new UptimeMetrics().bindTo(own);
        return new Registry(own, false, gc);
    }

    /** The registry and whether it is Vert.x's (then it is not ours to close). */
    record Registry(PrometheusMeterRegistry registry, boolean shared, AutoCloseable gc) {
        void close() {
            if (!shared) {
                try {
                    gc.close();
                } catch (Exception ignored) {
                    // nothing to do: the binder only unregisters its listeners
                }
                registry.close();
            }
        }
    }
}
