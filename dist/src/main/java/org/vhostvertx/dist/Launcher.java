package org.vhostvertx.dist;

import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.launcher.application.HookContext;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The jar's main: the Vert.x launcher application (so {@code -conf}, {@code -cluster} and the
 * other launcher options work), with the epoll transport switched on, which vhost-user sockets
 * need, and with {@code -cluster} Vert.x's Hazelcast cluster manager configured from the node's
 * configuration ({@link NodeClusterManager}, {@link ClusterSettings}). It extends the launcher only
 * because the launcher reads {@code Main-Verticle} from the manifest whose {@code Main-Class} is its
 * own class.
 */
public final class Launcher extends VertxApplication {

    /**
     * Hazelcast warns at every start that its CP data structures (locks, atomics) run without the CP
     * subsystem; we use none of them (the node registry is a map), so that warning says nothing.
     * Held here: java.util.logging keeps its loggers weakly, and the level would go with this one.
     */
    private static final Logger CP_SUBSYSTEM = Logger.getLogger("com.hazelcast.cp.CPSubsystem");

    private Launcher(String[] args) {
        super(args, new LaunchHooks());
    }

    public static void main(String[] args) {
        CP_SUBSYSTEM.setLevel(Level.SEVERE);
        new Launcher(args).launch();
    }

    /**
     * Switches the epoll transport on whatever options the command line gave, and gives Vert.x the
     * cluster manager made from the configuration (used only with -cluster).
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
            // Called before Vert.x is built: the "cluster" object configures the cluster manager.
            this.config = config;
            return config;
        }

        @Override
        public VertxBuilder createVertxBuilder(VertxOptions options) {
            cluster = new NodeClusterManager(config);
            return Vertx.builder().with(options).withClusterManager(cluster);
        }

        @Override
        public void beforeStartingVertx(HookContext context) {
            // -cluster-host is in the options only now (after createVertxBuilder).
            cluster.clusterHost(context.vertxOptions().getEventBusOptions().getHost());
        }
    }
}
