package org.vhostvertx.console;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.nio.file.Path;
import java.util.Base64;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The REST API under {@code /api}, a thin translation of HTTP onto the node's event-bus contract.
 * Paths that name a device take it as {@code {node}/{id}}; the short form {@code {id}} means the
 * device of this console's own node. Every answer is JSON; a refusal is {@code {"error": reason}}.
 */
final class DeviceApi {

    /** Actions that only read, so a read-only console lets them through. */
    static final Set<String> READ_ACTIONS = Set.of("stats", "luns", "capture-read");

    private static final Pattern ACTION = Pattern.compile("[a-z][a-z0-9-]{0,31}");
    private static final long BODY_LIMIT = 64 * 1024;

    private final NodeClient client;
    private final KnownNodes nodes;
    private final Snapshots snapshots;
    private final boolean readOnly;

    DeviceApi(NodeClient client, KnownNodes nodes, Snapshots snapshots, boolean readOnly) {
        this.client = client;
        this.nodes = nodes;
        this.snapshots = snapshots;
        this.readOnly = readOnly;
    }

    /** Routes under /api (the token check is in front of them). */
    void mount(Router router) {
        router.post("/api/*").handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT));
        router.get("/api/nodes").handler(this::nodes);
        router.get("/api/devices").handler(this::devices);
        router.post("/api/devices").handler(this::add);
        router.get("/api/devices/:node/:id").handler(ctx -> device(ctx, ctx.pathParam("node")));
        router.get("/api/devices/:node/:id/capture.pcap").handler(ctx -> capture(ctx, 0));
        router.get("/api/devices/:id").handler(ctx -> device(ctx, nodes.self()));
        router.delete("/api/devices/:node/:id").handler(ctx -> remove(ctx, ctx.pathParam("node")));
        router.delete("/api/devices/:id").handler(ctx -> remove(ctx, nodes.self()));
        router.post("/api/devices/:node/:id/actions/:action").handler(ctx -> action(ctx, ctx.pathParam("node")));
        router.post("/api/devices/:id/actions/:action").handler(ctx -> action(ctx, nodes.self()));
        router.get("/api/config").handler(this::config);
        router.get("/api/types").handler(this::types);
    }

    /** Whether a request changes something (and so is refused by a read-only console). */
    static boolean mutating(RoutingContext ctx) {
        return switch (ctx.request().method().name()) {
            case "GET", "HEAD", "OPTIONS" -> false;
            case "POST" -> {
                String path = ctx.normalizedPath();
                int at = path.lastIndexOf("/actions/");
                yield at < 0 || !READ_ACTIONS.contains(path.substring(at + "/actions/".length()));
            }
            default -> true;
        };
    }

    private void nodes(RoutingContext ctx) {
        reply(ctx, 200, new JsonObject().put("self", nodes.self()).put("readOnly", readOnly)
                .put("nodes", nodes.toJson()));
    }

    private void devices(RoutingContext ctx) {
        snapshots.all().onSuccess(merged -> {
            if (merged.devices().isEmpty() && !merged.unreachable().isEmpty()) {
                // Nobody answered: say why, with the status of the first (our own node comes first).
                JsonObject first = firstOf(merged);
                fail(ctx, new ApiException(first.getInteger("status"), first.getString("error")));
            } else {
                reply(ctx, 200, merged.toJson());
            }
        });
    }

    private JsonObject firstOf(Snapshots.Merged merged) {
        for (Object o : merged.unreachable()) {
            if (nodes.self().equals(((JsonObject) o).getString("node"))) {
                return (JsonObject) o;
            }
        }
        return merged.unreachable().getJsonObject(0);
    }

    private void device(RoutingContext ctx, String node) {
        answer(ctx, 200, snapshots.device(node, ctx.pathParam("id")));
    }

    private void add(RoutingContext ctx) {
        JsonObject device = body(ctx);
        if (device == null) {
            return;
        }
        Object n = device.remove("node");
        if (n != null && !(n instanceof String)) {
            fail(ctx, new ApiException(400, "node must be a node name"));
            return;
        }
        String node = n == null ? nodes.self() : (String) n;
        answer(ctx, 201, client.node(node, new JsonObject().put("action", "add-device").put("device", device))
                .map(r -> new JsonObject().put("node", node).put("id", r.getString("id", device.getString("id")))));
    }

    private void remove(RoutingContext ctx, String node) {
        String id = ctx.pathParam("id");
        answer(ctx, 200, client.node(node, new JsonObject().put("action", "remove-device").put("id", id))
                .map(r -> new JsonObject().put("node", node).put("id", id)));
    }

    private void action(RoutingContext ctx, String node) {
        String action = ctx.pathParam("action");
        if (!ACTION.matcher(action).matches()) {
            fail(ctx, new ApiException(400, "no action named " + action));
            return;
        }
        JsonObject args = body(ctx);
        if (args == null) {
            return;
        }
        args.put("action", action);
        answer(ctx, 200, client.control(node, ctx.pathParam("id"), args));
    }

    /**
     * Streams a net device's last capture (a pcap file on its node) to the client, asking the
     * device for it a piece at a time ({@code capture-read}, over the event bus, so it works for a
     * device of any node). A refusal before the first byte is the usual JSON error; a failure
     * after it resets the response, so a truncated file is never taken for a whole one.
     */
    private void capture(RoutingContext ctx, long offset) {
        String node = ctx.pathParam("node");
        String id = ctx.pathParam("id");
        client.control(node, id, new JsonObject().put("action", "capture-read").put("offset", offset))
                .onSuccess(piece -> {
                    HttpServerResponse response = ctx.response();
                    byte[] data = Base64.getDecoder().decode(piece.getString("data", ""));
                    if (offset == 0) {
                        String name = Path.of(piece.getString("file", id + ".pcap")).getFileName().toString()
                                .replaceAll("[^A-Za-z0-9_.-]", "_");
                        response.setChunked(true).putHeader("Content-Type", "application/vnd.tcpdump.pcap")
                                .putHeader("Content-Disposition", "attachment; filename=\"" + name + "\"")
                                .putHeader("Cache-Control", "no-store");
                    }
                    long next = offset + data.length;
                    if (data.length == 0 || next >= piece.getLong("size", 0L)) {
                        response.end(Buffer.buffer(data));
                    } else {
                        response.write(Buffer.buffer(data)).onSuccess(v -> capture(ctx, next))
                                .onFailure(e -> response.reset());
                    }
                })
                .onFailure(e -> {
                    if (offset == 0) {
                        fail(ctx, e);
                    } else {
                        ctx.response().reset();
                    }
                });
    }

    private void config(RoutingContext ctx) {
        answer(ctx, 200, client.node(nodeParam(ctx), new JsonObject().put("action", "config"))
                .map(DeviceApi::withoutToken));
    }

    private void types(RoutingContext ctx) {
        answer(ctx, 200, client.node(nodeParam(ctx), new JsonObject().put("action", "types")));
    }

    private String nodeParam(RoutingContext ctx) {
        String n = ctx.queryParams().get("node");
        return n == null || n.isEmpty() ? nodes.self() : n;
    }

    /** The running configuration with the console's token masked: the API never hands it out. */
    static JsonObject withoutToken(JsonObject config) {
        JsonObject c = config.copy();
        JsonObject console = c.getJsonObject("console");
        if (console != null && console.containsKey("token")) {
            console.put("token", "(hidden)");
        }
        return c;
    }

    /** The request body as a JSON object (empty when there is none), or null after refusing it. */
    private static JsonObject body(RoutingContext ctx) {
        String text = ctx.body().asString();
        if (text == null || text.isBlank()) {
            return new JsonObject();
        }
        try {
            return new JsonObject(text);
        } catch (DecodeException | ClassCastException e) {
            fail(ctx, new ApiException(400, "the body must be a JSON object"));
            return null;
        }
    }

    private static void answer(RoutingContext ctx, int status, Future<JsonObject> result) {
        result.onSuccess(json -> reply(ctx, status, json)).onFailure(e -> fail(ctx, e));
    }

    static void reply(RoutingContext ctx, int status, JsonObject json) {
        if (!ctx.response().ended()) {
            ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .putHeader("Cache-Control", "no-store").end(json.encode());
        }
    }

    static void fail(RoutingContext ctx, Throwable e) {
        int status = e instanceof ApiException a ? a.status() : 500;
        reply(ctx, status, new JsonObject().put("error", String.valueOf(e.getMessage())));
    }
}
