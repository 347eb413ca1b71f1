package org.vhostvertx.test.protocol;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.linux.UnixSocket;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.BlkDriver;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The node's own actions on vhost.node.NODE: devices added and removed while it runs, the running
 * configuration, and the device types it has; with the refusals' codes and reasons.
 */
class NodeControlTest {

    @TempDir
    Path dir;

    JsonObject disk(String id) {
        return new JsonObject().put("id", id).put("type", "blk").put("socket", dir.resolve(id + ".sock").toString())
                .put("ram", true).put("size", "1M");
    }

    static JsonObject add(JsonObject device) {
        return new JsonObject().put("action", "add-device").put("device", device);
    }

    static JsonObject remove(String id) {
        return new JsonObject().put("action", "remove-device").put("id", id);
    }

    static List<String> ids(Backend backend) throws Exception {
        return backend.node(new JsonObject().put("action", "devices")).getJsonArray("devices").stream()
                .map(JsonObject.class::cast).map(d -> d.getString("id")).toList();
    }

    static ReplyException refusal(Backend backend, JsonObject request) {
        return assertThrows(ReplyException.class, () -> backend.node(request));
    }

    static void writeAndRead(Path socket, byte fill) throws Exception {
        try (GuestRam ram = new GuestRam(0, 1 << 20);
             FrontEnd fe = FrontEnd.start(socket, ram, FrontEnd.Options.split())) {
            BlkDriver blk = new BlkDriver(fe.queue(0), ram);
            BlkDriver.Slot s = blk.slot(4096);
            byte[] data = new byte[4096];
            java.util.Arrays.fill(data, fill);
            assertEquals(0, blk.write(s, 8, data));
            assertEquals(0, blk.read(s, 8, 4096));
            assertArrayEquals(data, blk.data(s, 4096));
        }
    }

    @Test
    void anAddedDeviceServesAndARemovedOneIsGone() throws Exception {
        try (Backend backend = Backend.start(Backend.config(disk("a")))) {
            List<JsonObject> events = backend.published("vhost.events");
            Path socket = dir.resolve("b.sock");
            assertEquals(new JsonObject().put("id", "b"), backend.node(add(disk("b"))));
            assertTrue(Files.exists(socket), "the socket is there when the reply comes");
            assertEquals(List.of("a", "b"), ids(backend));
            writeAndRead(socket, (byte) 7);
            JsonObject connected = Backend.awaitOne(events,
                    e -> e.getString("event").equals("connected") && e.getString("device").equals("b"), "b connected");
            assertEquals(Backend.NODE, connected.getString("node"));
            assertEquals(1048576L, backend.control("b", new JsonObject().put("action", "stats"))
                    .getJsonObject("info").getLong("size"), "its control address answers");

            // Removed while a front end is connected: the front end is dropped.
            try (GuestRam ram = new GuestRam(0, 1 << 20);
                 FrontEnd fe = FrontEnd.start(socket, ram, FrontEnd.Options.split())) {
                BlkDriver blk = new BlkDriver(fe.queue(0), ram);
                assertEquals(0, blk.read(blk.slot(4096), 0, 4096));
                assertEquals(new JsonObject().put("id", "b"), backend.node(remove("b")));
                assertTrue(fe.client().closedByPeer(5000), "the front end sees its connection closed");
            }
            assertFalse(Files.exists(socket), "the socket file is gone");
            assertEquals(List.of("a"), ids(backend));
            ReplyException again = refusal(backend, remove("b"));
            assertEquals(404, again.failureCode());
            assertEquals("no device b", again.getMessage());
            assertEquals(ReplyFailure.NO_HANDLERS, assertThrows(ReplyException.class,
                    () -> backend.control("b", new JsonObject().put("action", "stats"))).failureType());

            // The id and the socket are free again.
            assertEquals(new JsonObject().put("id", "b"), backend.node(add(disk("b"))));
            writeAndRead(socket, (byte) 9);
            writeAndRead(dir.resolve("a.sock"), (byte) 1);
        }
    }

    @Test
    void aDeviceThatCannotBeAddedIsRefusedWithItsReason() throws Exception {
        try (Backend backend = Backend.start(Backend.config(disk("a")));
             UnixSocket live = UnixSocket.listen(dir.resolve("live.sock"), 1)) {
            ReplyException e = refusal(backend, add(disk("x").put("readonly", true)));
            assertEquals(400, e.failureCode());
            assertEquals("device.readonly is not a field; did you mean \"readOnly\"?", e.getMessage());

            e = refusal(backend, add(disk("x").put("mode", "listen")));
            assertEquals(400, e.failureCode());
            assertEquals("device.mode must be \"server\" or \"client\", was \"listen\"", e.getMessage());

            e = refusal(backend, add(disk("x").put("type", "floppy")));
            assertEquals(400, e.failureCode());
            assertTrue(e.getMessage().startsWith("device.type \"floppy\" is not a known device type; known: [blk, echo,"),
                    e.getMessage());

            e = refusal(backend, add(disk("x").put("size", null)));
            assertEquals(400, e.failureCode());
            assertEquals("device (\"x\"): a RAM disk needs \"size\"", e.getMessage(), "the plugin's refusal");

            e = refusal(backend, new JsonObject().put("action", "add-device"));
            assertEquals(400, e.failureCode());
            assertTrue(e.getMessage().startsWith("add-device needs \"device\""), e.getMessage());

            e = refusal(backend, add(disk("a").put("socket", dir.resolve("other.sock").toString())));
            assertEquals(409, e.failureCode());
            assertEquals("device.id \"a\" is in use", e.getMessage());

            e = refusal(backend, add(disk("x").put("socket", dir.resolve("a.sock").toString())));
            assertEquals(409, e.failureCode());
            assertEquals("device.socket \"" + dir.resolve("a.sock") + "\" is in use by device \"a\"", e.getMessage());

            e = refusal(backend, add(disk("x").put("socket", dir.resolve("live.sock").toString())));
            assertEquals(409, e.failureCode());
            assertEquals("device.socket \"" + dir.resolve("live.sock") + "\" is in use by a live process",
                    e.getMessage());

            e = refusal(backend, remove("x"));
            assertEquals(404, e.failureCode());
            assertEquals("no device x", e.getMessage());

            e = refusal(backend, new JsonObject().put("action", "reboot"));
            assertEquals(400, e.failureCode());
            assertEquals("node " + Backend.NODE + " has no action \"reboot\"; known: devices, add-device, "
                    + "remove-device, config, types", e.getMessage());

            assertEquals(List.of("a"), ids(backend), "nothing was added");
            assertFalse(Files.exists(dir.resolve("x.sock")));
        }
    }

    @Test
    void theRunningConfigurationStartsTheSameDevices() throws Exception {
        JsonObject scsi = new JsonObject().put("id", "s").put("type", "scsi")
                .put("socket", dir.resolve("s.sock").toString())
                .put("luns", new JsonArray().add(new JsonObject().put("ram", true).put("size", "1M")));
        JsonObject running;
        List<JsonObject> before;
        try (Backend backend = Backend.start(Backend.config(disk("a"), disk("b")))) {
            backend.node(add(disk("c").put("queues", 2)));
            backend.node(add(scsi));
            backend.node(remove("a"));
            running = backend.node(new JsonObject().put("action", "config"));
            before = backend.node(new JsonObject().put("action", "devices")).getJsonArray("devices").stream()
                    .map(JsonObject.class::cast).toList();
        }
        assertEquals(Backend.NODE, running.getString("node"));
        assertEquals(2, running.getInteger("workers"));
        assertEquals(List.of(disk("b"), disk("c").put("queues", 2), scsi), running.getJsonArray("devices").stream()
                .map(JsonObject.class::cast).toList());

        try (Backend again = Backend.start(running)) {
            List<JsonObject> after = again.node(new JsonObject().put("action", "devices")).getJsonArray("devices")
                    .stream().map(JsonObject.class::cast).toList();
            Function<List<JsonObject>, Map<String, String>> shape = list -> list.stream().collect(Collectors.toMap(
                    d -> d.getString("id"), d -> d.getString("type") + " " + d.getString("socket") + " "
                            + d.getString("mode") + " " + d.getJsonObject("info").encode()));
            assertEquals(List.of("b", "c", "s"), after.stream().map(d -> d.getString("id")).toList());
            assertEquals(shape.apply(before), shape.apply(after));
            writeAndRead(dir.resolve("c.sock"), (byte) 3);
        }
    }

    @Test
    void theNodeListsItsDeviceTypes() throws Exception {
        try (Backend backend = Backend.start(Backend.config(disk("a")))) {
            JsonArray types = backend.node(new JsonObject().put("action", "types")).getJsonArray("types");
            Map<String, JsonObject> byType = types.stream().map(JsonObject.class::cast)
                    .collect(Collectors.toMap(t -> t.getString("type"), t -> t));
            assertEquals(List.of("blk", "echo", "net", "scsi"), types.stream().map(JsonObject.class::cast)
                    .map(t -> t.getString("type")).toList());
            assertEquals(new JsonArray(List.of("blockSize", "direct", "image", "locking", "queues", "ram", "readOnly",
                            "serial", "size")),
                    byType.get("blk").getJsonArray("fields"));
            assertEquals(new JsonArray(List.of("luns", "queues")), byType.get("scsi").getJsonArray("fields"));
            assertEquals(new JsonArray(List.of("app", "appConfig", "captureDir", "mac", "mtu", "port", "queues", "switch")),
                    byType.get("net").getJsonArray("fields"));
            assertEquals(new JsonArray(List.of("greeting")), byType.get("echo").getJsonArray("fields"),
                    "a third party's plugin");
        }
    }
}
