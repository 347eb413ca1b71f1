package org.vhostvertx.dist;

import io.vertx.core.json.JsonObject;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;

/**
 * The jar's main: the Vert.x launcher application (so {@code -conf}, {@code -cluster} and the
 * other launcher options work), with the epoll transport switched on, which vhost-user sockets
 * need. It extends the launcher only because the launcher reads {@code Main-Verticle} from the
 * manifest whose {@code Main-Class} is its own class.
 */
public final class Launcher extends VertxApplication {

    private Launcher(String[] args) {
        super(args, new NativeTransportHooks());
    }

    public static void main(String[] args) {
        new Launcher(args).launch();
    }

    /** Switches the epoll transport on whatever options the command line gave. */
    static final class NativeTransportHooks implements VertxApplicationHooks {
        @Override
        public JsonObject afterVertxOptionsParsed(JsonObject vertxOptions) {
            // The launcher passes null when the command line has no -options.
            JsonObject options = vertxOptions == null ? new JsonObject() : vertxOptions;
            return options.put("preferNativeTransport", true);
        }
    }
}
