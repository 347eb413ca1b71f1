package org.vhostvertx.dist;

import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.launcher.application.HookContext;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;
import org.vhostvertx.console.ConsoleMetrics;
import org.vhostvertx.console.ConsoleSettings;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The jar's main: the Vert.x launcher application (so {@code -conf}, {@code -cluster} and the
 * other launcher options work), with the epoll transport switched on, which vhost-user sockets
 * need; when the configuration enables the web console, Vert.x's Micrometer metrics, which the
 * console serves at /metrics; and with {@code -cluster}, Vert.x's Hazelcast cluster manager
 * configured from the node's configuration ({@link NodeClusterManager}, {@link ClusterSettings}).
 * It extends the launcher only because the launcher reads {@code Main-Verticle} from the manifest
 * whose {@code Main-Class} is its own class.
 */
public final class Launcher extends VertxApplication {

    /**
     * Hazelcast warns at every start that its CP data structures (locks, atomics) run without the CP
     * subsystem; we use none of them (the node registry is a map), so that warning says nothing.
     * Held here: java.util.logging keeps its loggers weakly, and the level would go with this one.
     */
    private static final Logger CP_SUBSYSTEM = Logger.getLogger("com.hazelcast.cp.CPSubsystem");
    /**
     * Micrometer (from 1.13.9) warns when a gauge is registered again under the same id; Vert.x's
     * metrics (the console's) do that on purpose, one gauge behind every event-bus handler
     * (vertx.eventbus.handlers; vert-x3/vertx-micrometer-metrics#259, micrometer#6931), so every
     * start with the console warned about nothing.
     */
    private static final Logger METER_REGISTRY = Logger.getLogger("io.micrometer.core.instrument.MeterRegistry");

    private Launcher(String[] args) {
        super(args, new LaunchHooks());
    }

    public static void main(String[] args) {
        CP_SUBSYSTEM.setLevel(Level.SEVERE);
        METER_REGISTRY.setLevel(Level.SEVERE);
        new Launcher(args).launch();
    }

    /**
     * Switches the epoll transport on whatever options the command line gave, metrics for the
     * console, and gives Vert.x the cluster manager made from the configuration (used only with
     * -cluster).
     */
    static final class LaunchHooks implements VertxApplicationHooks {

        private JsonObject config;
        private NodeClusterManager cluster;

        @Override
        public JsonObject afterVertxOptionsParsed(JsonObject vertxOptions) {
            // The launcher passes null when the command line has no -options.
            JsonObject options = vertxOptions == null ? new JsonObject() : vertxOptions;
            return options.put("preferNativeTransport", true);
        }

        @Override
        public JsonObject afterConfigParsed(JsonObject config) {
            // Called before Vert.x is built: the configuration decides whether metrics are needed, and
            // its "cluster" object configures the cluster manager.
            this.config = config;
            return config;
        }

        @Override
        public VertxBuilder createVertxBuilder(VertxOptions options) {
            cluster = new NodeClusterManager(config);
            return vertxBuilder(config, options).withClusterManager(cluster);
        }

        @Override
        public void beforeStartingVertx(HookContext context) {
            // -cluster-host is in the options only now (after createVertxBuilder).
            cluster.clusterHost(context.vertxOptions().getEventBusOptions().getHost());
        }
    }

    /**
     * How the launcher builds Vert.x for a configuration: with Micrometer metrics into a Prometheus
     * registry when the console is enabled (metrics are options Vert.x takes at creation only, and
     * without the console nobody reads them), plain otherwise. The launcher adds the cluster manager.
     */
    public static VertxBuilder vertxBuilder(JsonObject config, VertxOptions options) {
        return ConsoleSettings.enabled(config) ? ConsoleMetrics.vertxBuilder(options) : Vertx.builder().with(options);
    }
}
