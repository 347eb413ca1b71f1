package org.vhostvertx.dist;

import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;
import org.vhostvertx.console.ConsoleMetrics;
import org.vhostvertx.console.ConsoleSettings;

/**
 * The jar's main: the Vert.x launcher application (so {@code -conf}, {@code -cluster} and the
 * other launcher options work), with the epoll transport switched on, which vhost-user sockets
 * need, and, when the configuration enables the web console, Vert.x's Micrometer metrics, which
 * the console serves at /metrics. It extends the launcher only because the launcher reads
 * {@code Main-Verticle} from the manifest whose {@code Main-Class} is its own class.
 */
public final class Launcher extends VertxApplication {

    private Launcher(String[] args) {
        super(args, new LaunchHooks());
    }

    public static void main(String[] args) {
        new Launcher(args).launch();
    }

    /** Switches the epoll transport on whatever options the command line gave, and metrics for the console. */
    static final class LaunchHooks implements VertxApplicationHooks {

        private JsonObject config;

        @Override
        public JsonObject afterVertxOptionsParsed(JsonObject vertxOptions) {
            // The launcher passes null when the command line has no -options.
            JsonObject options = vertxOptions == null ? new JsonObject() : vertxOptions;
            return options.put("preferNativeTransport", true);
        }

        @Override
        public JsonObject afterConfigParsed(JsonObject config) {
            // Called before Vert.x is built: the configuration decides whether metrics are needed.
            this.config = config;
            return config;
        }

        @Override
        public VertxBuilder createVertxBuilder(VertxOptions options) {
            return vertxBuilder(config, options);
        }
    }

    /**
     * How the launcher builds Vert.x for a configuration: with Micrometer metrics into a Prometheus
     * registry when the console is enabled (metrics are options Vert.x takes at creation only, and
     * without the console nobody reads them), plain otherwise.
     */
    public static VertxBuilder vertxBuilder(JsonObject config, VertxOptions options) {
        return ConsoleSettings.enabled(config) ? ConsoleMetrics.vertxBuilder(options) : Vertx.builder().with(options);
    }
}
