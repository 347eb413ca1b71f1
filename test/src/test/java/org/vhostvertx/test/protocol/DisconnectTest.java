package org.vhostvertx.test.protocol;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.linux.UnixSocket;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.BlkDriver;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.test.frontend.VhostUserClient;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The "disconnect" action drops the front end's connection: the front end sees its socket closed,
 * and it comes back as after any disconnect (a server accepts again, a client connects again).
 */
class DisconnectTest {

    static final JsonObject DISCONNECT = new JsonObject().put("action", "disconnect");

    @TempDir
    Path dir;

    static void readsWork(FrontEnd fe, GuestRam ram) throws Exception {
        BlkDriver blk = new BlkDriver(fe.queue(0), ram);
        BlkDriver.Slot s = blk.slot(4096);
        for (int i = 0; i < 4; i++) {
            assertEquals(0, blk.read(s, i, 4096));
        }
    }

    @Test
    void aServersFrontEndIsDroppedAndConnectsAgain() throws Exception {
        Path socket = dir.resolve("d.sock");
        try (Backend backend = Backend.start(Backend.config(new JsonObject().put("id", "d").put("type", "blk")
                .put("socket", socket.toString()).put("ram", true).put("size", "1M")))) {
            List<JsonObject> events = backend.published("vhost.events");
            assertEquals(new JsonObject().put("disconnected", false), backend.control("d", DISCONNECT),
                    "nothing connected yet");
            try (GuestRam ram = new GuestRam(0, 1 << 20);
                 FrontEnd fe = FrontEnd.start(socket, ram, FrontEnd.Options.split())) {
                readsWork(fe, ram);
                assertEquals(new JsonObject().put("disconnected", true), backend.control("d", DISCONNECT));
                assertTrue(fe.client().closedByPeer(5000), "the front end sees its connection closed");
            }
            JsonObject dropped = Backend.awaitOne(events,
                    e -> e.getString("event").equals("disconnected"), "disconnected event");
            assertEquals("disconnected by an operator", dropped.getString("reason"));
            assertEquals("listening", EventBusContractTest.device(backend.node(new JsonObject()
                    .put("action", "devices")), "d").getString("state"), "closed by the time the reply came");

            // As QEMU with reconnect= does: the front end comes back and the device serves it.
            try (GuestRam ram = new GuestRam(0, 1 << 20);
                 FrontEnd fe = FrontEnd.start(socket, ram, FrontEnd.Options.split())) {
                readsWork(fe, ram);
            }
        }
    }

    @Test
    void aClientConnectsAgainAfterItWasDropped() throws Exception {
        Path socket = dir.resolve("qemu.sock");
        try (Backend backend = Backend.start(Backend.config(new JsonObject().put("id", "c").put("type", "blk")
                .put("socket", socket.toString()).put("mode", "client").put("reconnectMillis", 20)
                .put("ram", true).put("size", "1M")));
             UnixSocket listener = UnixSocket.listen(socket, 4)) {
            try (GuestRam ram = new GuestRam(0, 1 << 20);
                 FrontEnd fe = FrontEnd.start(VhostUserClient.over(ClientModeTest.acceptWithin(listener, 10_000)),
                         ram, FrontEnd.Options.split())) {
                readsWork(fe, ram);
                assertEquals(new JsonObject().put("disconnected", true), backend.control("c", DISCONNECT));
                assertTrue(fe.client().closedByPeer(5000), "the front end sees its connection closed");
            }
            try (GuestRam ram = new GuestRam(0, 1 << 20);
                 FrontEnd fe = FrontEnd.start(VhostUserClient.over(ClientModeTest.acceptWithin(listener, 10_000)),
                         ram, FrontEnd.Options.split())) {
                readsWork(fe, ram);
            }
        }
    }
}
