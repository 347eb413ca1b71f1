package org.vhostvertx.console;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Server-sent events at {@code /api/stream}: every vhost.stats message as event {@code stats} and
 * every vhost.events message as event {@code event}, nothing else. A client that does not keep up
 * misses messages instead of growing our memory (its write queue is full, the message is skipped);
 * the page computes rates from each message's {@code ts}, so a missed one costs nothing but a point.
 * Used on the console's event loop only.
 */
final class EventStream {

    static final long KEEP_ALIVE_MILLIS = 15_000;

    private final Set<HttpServerResponse> clients = new LinkedHashSet<>();
    private long skipped;

    void open(RoutingContext ctx) {
        HttpServerResponse r = ctx.response();
        r.setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-store")
                .putHeader("X-Accel-Buffering", "no");
        r.write("retry: 2000\n: vhost.stats and vhost.events\n\n");
        clients.add(r);
        r.closeHandler(v -> clients.remove(r));
        r.exceptionHandler(e -> clients.remove(r));
    }

    /** Forwards one message to every client as an event of this name. */
    void forward(String event, JsonObject body) {
        if (clients.isEmpty()) {
            return;
        }
        Buffer frame = Buffer.buffer("event: " + event + "\ndata: " + body.encode() + "\n\n");
        for (HttpServerResponse r : clients) {
            if (r.writeQueueFull()) {
                skipped++;
            } else {
                r.write(frame);
            }
        }
    }

    /** A comment line, so proxies and browsers keep an idle stream open. */
    void keepAlive() {
        for (HttpServerResponse r : clients) {
            if (!r.writeQueueFull()) {
                r.write(": keep-alive\n\n");
            }
        }
    }

    int clients() {
        return clients.size();
    }

    long skipped() {
        return skipped;
    }

    void close() {
        for (HttpServerResponse r : Set.copyOf(clients)) {
            r.end();
        }
        clients.clear();
    }
}
