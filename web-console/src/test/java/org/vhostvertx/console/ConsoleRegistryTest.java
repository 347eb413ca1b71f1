package org.vhostvertx.console;

import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The console knows the cluster's nodes from its registry (vhost.nodes), also a node that publishes
 * nothing, and forgets one the registry lists as gone or that left (node-left).
 */
class ConsoleRegistryTest extends ConsoleTestSupport {

    FakeNode silent;
    volatile boolean n3Live = true;
    MessageConsumer<JsonObject> registry;

    @Override
    void beforeConsole() throws Exception {
        // n3 runs a device and publishes nothing; n4 ran once and is gone.
        silent = new FakeNode(vertx, "n3").start().device("d3", "blk", "listening");
        registry = vertx.eventBus().consumer("vhost.nodes", m -> m.reply(new JsonObject().put("nodes", new JsonArray()
                .add(new JsonObject().put("node", "n1").put("live", true))
                .add(new JsonObject().put("node", "n3").put("live", n3Live))
                .add(new JsonObject().put("node", "n4").put("live", false).put("reason", "lost")))));
        await(registry.completion());
    }

    @BeforeEach
    void start() throws Exception {
        startConsole(new JsonObject());
    }

    @AfterEach
    void stop() throws Exception {
        stopConsole();
    }

    List<String> known() throws Exception {
        return get("/api/nodes").bodyAsJsonObject().getJsonArray("nodes").stream().map(JsonObject.class::cast)
                .map(n -> n.getString("node")).toList();
    }

    List<String> devices() throws Exception {
        return get("/api/devices").bodyAsJsonObject().getJsonArray("devices").stream().map(JsonObject.class::cast)
                .map(d -> d.getString("node") + "/" + d.getString("id")).toList();
    }

    @Test
    void aSilentNodeOfTheRegistryIsListedUntilItLeaves() throws Exception {
        waitFor("n3 known from the registry", () -> {
            try {
                return known().contains("n3");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertEquals(List.of("n1", "n3"), known(), "a gone node is not listed");
        assertEquals(Set.of("n1/d1", "n1/net0", "n3/d3"), Set.copyOf(devices()));

        // n3 leaves: the registry says so from now on, and node-left tells the console at once.
        n3Live = false;
        vertx.eventBus().publish("vhost.events", new JsonObject().put("event", "node-left").put("node", "n3")
                .put("ts", System.currentTimeMillis()).put("reason", "lost"));
        waitFor("n3 forgotten", () -> {
            try {
                return !known().contains("n3");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertEquals(Set.of("n1/d1", "n1/net0"), Set.copyOf(devices()));
        silent.stop();
    }
}
