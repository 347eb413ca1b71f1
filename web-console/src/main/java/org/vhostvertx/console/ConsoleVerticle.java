package org.vhostvertx.console;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;

import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * The web console of one node: REST API, live event stream, Prometheus metrics and health, and the
 * page. It knows the node only through the event-bus contract (vhost.stats, vhost.events,
 * vhost.node.*, vhost.control.*, vhost.nodes), so it costs the data path nothing: it consumes
 * published messages and sends requests the node's event loops answer.
 *
 * <p>Configuration: {@code {"node": name, "console": {...}}} as {@link ConsoleSettings} reads it.
 * Everything runs on this verticle's event loop.
 */
public final class ConsoleVerticle extends VerticleBase {

    private static final Logger LOG = Logger.getLogger(ConsoleVerticle.class.getName());
    static final long HEALTH_TIMEOUT_MILLIS = NodeClient.TIMEOUT_MILLIS + 1000;
    /** How often the console asks the cluster's registry for its nodes. */
    static final long REGISTRY_MILLIS = 10_000;

    private ConsoleSettings settings;
    private ConsoleMetrics.Registry registry;
    private VhostMetrics metrics;
    private EventStream stream;
    private HttpServer server;
    private volatile int port;
    private volatile String url;

    @Override
    public Future<?> start() {
        settings = ConsoleSettings.from(config());
        NodeClient client = new NodeClient(vertx, NodeClient.TIMEOUT_MILLIS);
        KnownNodes nodes = new KnownNodes(settings.node());
        Snapshots snapshots = new Snapshots(client, nodes);
        registry = ConsoleMetrics.registry(vertx);
        metrics = new VhostMetrics(registry.registry());
        DeviceHealth health = new DeviceHealth(snapshots, metrics);
        stream = new EventStream();

        MessageConsumer<JsonObject> stats = vertx.eventBus().consumer("vhost.stats", m -> {
            String node = nodes.seen(m.body());
            metrics.stats(node, m.body());
            stream.forward("stats", m.body());
        });
        MessageConsumer<JsonObject> events = vertx.eventBus().consumer("vhost.events", m -> {
            JsonObject e = m.body();
            if ("node-left".equals(e.getString("event"))) {
                nodes.left(nodes.nodeOf(e));
                stream.forward("event", e);
                return;
            }
            String node = nodes.seen(e);
            health.event(node, e);
            if ("device-removed".equals(e.getString("event"))) {
                metrics.removed(node, e.getString("device"));
            }
            stream.forward("event", e);
        });
        long keepAlive = vertx.setPeriodic(EventStream.KEEP_ALIVE_MILLIS, t -> stream.keepAlive());
        // The nodes of the cluster, also those that publish nothing (no stats, no device events).
        askRegistry(nodes);
        long registryTimer = vertx.setPeriodic(REGISTRY_MILLIS, t -> askRegistry(nodes));

        Router router = router(new Access(settings.token(), settings.readOnly()),
                new DeviceApi(client, nodes, snapshots, settings.readOnly()), snapshots, health);
        if (!loopback(settings.host()) && settings.tokenGenerated()) {
            LOG.warning("console: listening on " + settings.host() + ", beyond this machine, with a token made at start;"
                    + " set console.token to choose it (the console speaks plain HTTP: put TLS in front of it)");
        }
        server = vertx.createHttpServer(new HttpServerOptions().setHost(settings.host()).setPort(settings.port()));
        return Future.all(stats.completion(), events.completion())
                .compose(v -> server.requestHandler(router).listen())
                .onSuccess(s -> announce(s.actualPort()))
                .recover(e -> {
                    stats.unregister();
                    events.unregister();
                    vertx.cancelTimer(keepAlive);
                    vertx.cancelTimer(registryTimer);
                    metrics.close();
                    registry.close();
                    return Future.failedFuture(new IllegalStateException(bindFailure(e), e));
                });
    }

    /**
     * Asks the cluster's registry ({@code {"action": "nodes"}} on vhost.nodes, answered by any
     * node) which nodes live and which are gone. No answer (a node without the registry, or the
     * request timing out) changes nothing: the messages still tell.
     */
    private void askRegistry(KnownNodes nodes) {
        vertx.eventBus().<JsonObject>request("vhost.nodes", new JsonObject().put("action", "nodes"),
                new DeliveryOptions().setSendTimeout(NodeClient.TIMEOUT_MILLIS)).onSuccess(reply -> {
            for (Object o : reply.body().getJsonArray("nodes", new JsonArray())) {
                if (o instanceof JsonObject n && n.getValue("node") instanceof String name) {
                    if (n.getBoolean("live", false)) {
                        nodes.live(name);
                    } else {
                        nodes.left(name);
                    }
                }
            }
        });
    }

    private Router router(Access access, DeviceApi api, Snapshots snapshots, DeviceHealth health) {
        Router router = Router.router(vertx);
        router.route().handler(ConsoleVerticle::securityHeaders);

        io.vertx.core.Handler<RoutingContext> open = RoutingContext::next;
        io.vertx.core.Handler<RoutingContext> metricsGuard = settings.metricsOpen() ? open : access::requireToken;
        router.get("/metrics").handler(metricsGuard).handler(ctx -> scrape(ctx, snapshots));
        HealthChecks checks = HealthChecks.create(vertx).register("devices", HEALTH_TIMEOUT_MILLIS, health::check);
        router.get("/health").handler(metricsGuard).handler(HealthCheckHandler.createWithHealthChecks(checks));

        router.get("/api/stream").handler(access::requireTokenOrQuery).handler(stream::open);
        router.route("/api/*").handler(access::requireToken).handler(access::refuseChangesIfReadOnly);
        api.mount(router);
        router.route("/api/*").handler(ctx -> DeviceApi.fail(ctx, new ApiException(404,
                "no such call: " + ctx.request().method() + " " + ctx.normalizedPath())));
        router.route("/api/*").failureHandler(ctx -> DeviceApi.fail(ctx, ctx.failure() != null ? ctx.failure()
                : new ApiException(ctx.statusCode(), "refused (" + ctx.statusCode() + ")")));

        router.get("/webjars/uplot/*").handler(StaticHandler.create("META-INF/resources/webjars/uplot/" + uplotVersion()));
        router.get("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false));
        return router;
    }

    private void scrape(RoutingContext ctx, Snapshots snapshots) {
        // The states come from the nodes' snapshots, asked now; the counters from the last vhost.stats.
        snapshots.all().onSuccess(merged -> {
            merged.byNode().forEach(metrics::snapshot);
            ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                    .end(registry.registry().scrape());
        });
    }

    private static void securityHeaders(RoutingContext ctx) {
        ctx.response()
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Referrer-Policy", "no-referrer")
                .putHeader("X-Frame-Options", "DENY")
                .putHeader("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline';"
                        + " img-src 'self' data:; frame-ancestors 'none'");
        ctx.next();
    }

    private void announce(int actualPort) {
        port = actualPort;
        String host = settings.host();
        String shown = wildcard(host) ? ConsoleSettings.defaultNode() : host.contains(":") ? "[" + host + "]" : host;
        url = "http://" + shown + ":" + actualPort + "/";
        String how = settings.tokenGenerated() ? "#token=" + settings.token() : " (token: console.token)";
        System.out.println("console: " + url + how);
        LOG.info("console of node " + settings.node() + " on " + host + ":" + actualPort
                + (settings.readOnly() ? ", read-only" : "") + (settings.metricsOpen() ? "" : ", /metrics and /health need the token"));
    }

    private String bindFailure(Throwable e) {
        String where = settings.host() + ":" + settings.port();
        if (inUse(e)) {
            return "console: port " + settings.port() + " is already in use (" + where + "); set console.port to"
                    + " another port, or 0 for any free one";
        }
        return "console: cannot listen on " + where + " (" + e.getMessage() + "); check console.host and console.port";
    }

    private static boolean inUse(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException || String.valueOf(t.getMessage()).contains("Address already in use")) {
                return true;
            }
        }
        return false;
    }

    static boolean wildcard(String host) {
        return host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }

    /** Whether the console stays on this machine. A name other than localhost counts as not. */
    static boolean loopback(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            return InetAddress.ofLiteral(host.replace("[", "").replace("]", "")).isLoopbackAddress();
        } catch (IllegalArgumentException notALiteral) {
            return false;
        }
    }

    /** The version of the uPlot WebJar on the class path, so the page names no version. */
    static String uplotVersion() {
        try (InputStream in = ConsoleVerticle.class.getResourceAsStream(
                "/META-INF/maven/org.webjars.npm/uplot/pom.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "missing");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the uPlot WebJar's version", e);
        }
    }

    /** The port it listens on (the chosen one when console.port is 0); 0 before it listens. */
    public int port() {
        return port;
    }

    /** The page's address, without the token; null before it listens. */
    public String url() {
        return url;
    }

    /** The token the API wants. */
    public String token() {
        return settings.token();
    }

    @Override
    public Future<?> stop() {
        stream.close();
        metrics.close();
        registry.close();
        return server.close();
    }
}
