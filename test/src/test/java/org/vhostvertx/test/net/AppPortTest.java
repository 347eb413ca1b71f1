package org.vhostvertx.test.net;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vhostvertx.net.AppPorts;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.test.frontend.NetPort;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An app port through our Java front end, on both ring layouts: the ARP and ICMP responder (built
 * on the public API only) answers, the application hears the rings start and stop, a capture of the
 * exchange comes back through capture-read, and bad configurations are refused by name. A second
 * port names its application ({@code "app"}) instead: the node gets it from the
 * {@link ResponderProvider} that ServiceLoader finds, with no AppPorts.register for it.
 */
class AppPortTest {

    static final byte[] APP_MAC = HexFormat.ofDelimiter(":").parseHex("52:54:00:00:0a:01");
    static final byte[] GUEST_MAC = HexFormat.ofDelimiter(":").parseHex("52:54:00:00:0a:02");
    static final byte[] APP_IP = {10, 0, 0, 1};
    static final byte[] GUEST_IP = {10, 0, 0, 2};

    @TempDir
    static Path dir;
    static Backend backend;
    static ArpIcmpResponder responder;
    static AutoCloseable registration;

    @BeforeAll
    static void start() throws Exception {
        responder = new ArpIcmpResponder(APP_IP);
        registration = AppPorts.register("app0", responder);
        backend = Backend.start(Backend.config(new JsonObject().put("id", "app0").put("type", "net").put("port", "app")
                .put("socket", dir.resolve("app0.sock").toString()).put("mac", "52:54:00:00:0a:01")
                .put("captureDir", dir.resolve("captures").toString()),
                new JsonObject().put("id", "named0").put("type", "net").put("port", "app")
                        .put("app", ResponderProvider.NAME).put("socket", dir.resolve("named0.sock").toString())
                        .put("mac", "52:54:00:00:0a:01")));
    }

    @AfterAll
    static void stop() throws Exception {
        backend.close();
        registration.close();
    }

    static byte[] arpRequest() {
        ByteBuffer b = ByteBuffer.allocate(60);
        b.put(new byte[]{-1, -1, -1, -1, -1, -1}).put(GUEST_MAC).putShort((short) 0x0806);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
        b.put(GUEST_MAC).put(GUEST_IP).put(new byte[6]).put(APP_IP);
        return b.array();
    }

    static byte[] echoRequest(int sequence, int payload) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8 + payload);
        b.put(APP_MAC).put(GUEST_MAC).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + 8 + payload)).putInt(0).put((byte) 64).put((byte) 1)
                .putShort((short) 0).put(GUEST_IP).put(APP_IP);
        b.put((byte) 8).put((byte) 0).putShort((short) 0).putShort((short) 0x1234).putShort((short) sequence);
        for (int i = 0; i < payload; i++) {
            b.put((byte) i);
        }
        byte[] f = b.array();
        MemorySegment s = MemorySegment.ofArray(f);
        ByteBuffer.wrap(f).putShort(24, (short) ArpIcmpResponder.checksum(s, 14, 20));
        ByteBuffer.wrap(f).putShort(36, (short) ArpIcmpResponder.checksum(s, 34, 8 + payload));
        return f;
    }

    @ParameterizedTest(name = "packed {0}")
    @ValueSource(booleans = {false, true})
    void theResponderAnswersArpAndPingAndTheCaptureHoldsBothWays(boolean packed) throws Exception {
        long startsBefore = responder.starts.get();
        long stopsBefore = responder.stops.get();
        try (GuestRam ram = new GuestRam(0, 8 << 20);
             FrontEnd fe = FrontEnd.start(dir.resolve("app0.sock"), ram,
                     (packed ? FrontEnd.Options.packedRing() : FrontEnd.Options.split()).withQueues(3))) {
            NetPort guest = new NetPort(fe, GUEST_MAC, 16);
            guest.send(arpRequest());
            ByteBuffer arp = ByteBuffer.wrap(guest.receive());
            assertArrayEquals(GUEST_MAC, Arrays.copyOfRange(arp.array(), 0, 6), "to the asker");
            assertArrayEquals(APP_MAC, Arrays.copyOfRange(arp.array(), 6, 12), "from the port's MAC");
            assertEquals(0x0806, arp.getShort(12));
            assertEquals(2, arp.getShort(20), "an ARP reply");
            assertArrayEquals(APP_MAC, Arrays.copyOfRange(arp.array(), 22, 28), "sender hardware address");
            assertArrayEquals(APP_IP, Arrays.copyOfRange(arp.array(), 28, 32), "sender IP");
            assertArrayEquals(GUEST_IP, Arrays.copyOfRange(arp.array(), 38, 42), "target IP");
            assertTrue(responder.starts.get() > startsBefore, "the application heard the pair start");

            JsonObject started = backend.control("app0", new JsonObject().put("action", "capture").put("frames", 6)
                    .put("etherType", "0x0800"));
            assertTrue(started.getString("file").startsWith(dir.resolve("captures").toString()), started.encode());
            guest.send(arpRequest());
            guest.receive();
            for (int seq = 1; seq <= 3; seq++) {
                byte[] request = echoRequest(seq, 56 * seq);
                guest.send(request);
                byte[] reply = guest.receive();
                assertEquals(request.length, reply.length);
                MemorySegment r = MemorySegment.ofArray(reply);
                assertEquals(0, ArpIcmpResponder.checksum(r, 14, 20), "IP header checksum");
                assertEquals(0, ArpIcmpResponder.checksum(r, 34, reply.length - 34), "ICMP checksum");
                assertEquals(0, reply[34], "an echo reply");
                assertArrayEquals(Arrays.copyOfRange(request, 38, request.length),
                        Arrays.copyOfRange(reply, 38, reply.length), "id, sequence and data come back");
                assertArrayEquals(APP_IP, Arrays.copyOfRange(reply, 26, 30));
                assertArrayEquals(GUEST_IP, Arrays.copyOfRange(reply, 30, 34));
            }
            JsonObject read = backend.control("app0", new JsonObject().put("action", "capture-read"));
            assertFalse(read.getBoolean("running"), "six frames were asked for: " + read.getLong("size"));
            byte[] pcap = Base64.getDecoder().decode(read.getString("data"));
            assertEquals(read.getLong("size"), pcap.length);
            assertEquals(java.util.List.of(98, 98, 154, 154, 210, 210), PcapRecords.lengths(pcap),
                    "three requests and three replies, and no ARP (the filter)");
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (responder.stops.get() == stopsBefore && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(responder.stops.get() > stopsBefore, "the application heard the pair stop");
    }

    @Test
    void anAppPortWithoutItsApplicationAndAnUnknownPortKindAreRefusedByName() {
        ReplyException none = assertThrows(ReplyException.class, () -> backend.node(new JsonObject()
                .put("action", "add-device").put("device", new JsonObject().put("id", "nobody").put("type", "net")
                        .put("port", "app").put("socket", dir.resolve("nobody.sock").toString()))));
        assertEquals(400, none.failureCode());
        assertTrue(none.getMessage().contains("AppPorts.register") && none.getMessage().contains("nobody"),
                none.getMessage());
        ReplyException kind = assertThrows(ReplyException.class, () -> backend.node(new JsonObject()
                .put("action", "add-device").put("device", new JsonObject().put("id", "odd").put("type", "net")
                        .put("port", "application").put("socket", dir.resolve("odd.sock").toString()))));
        assertTrue(kind.getMessage().contains("\"app\"") && kind.getMessage().contains("\"application\""),
                kind.getMessage());
        ReplyException badSeconds = assertThrows(ReplyException.class, () -> backend.control("app0",
                new JsonObject().put("action", "capture").put("seconds", "ten")));
        assertTrue(badSeconds.getMessage().contains("\"seconds\""), badSeconds.getMessage());
    }

    @Test
    void theApplicationTheConfigurationNamesIsMadeByItsProviderAndAnswersTheGuest() throws Exception {
        ArpIcmpResponder named = ResponderProvider.MADE.get("named0");
        assertNotNull(named, "the provider made the device's application");
        assertEquals(ResponderProvider.NAME, ResponderProvider.CONFIGS.get("named0").getString("app"),
                "the provider sees the device's configuration");
        try (GuestRam ram = new GuestRam(0, 8 << 20);
             FrontEnd fe = FrontEnd.start(dir.resolve("named0.sock"), ram, FrontEnd.Options.split().withQueues(3))) {
            NetPort guest = new NetPort(fe, GUEST_MAC, 16);
            guest.send(arpRequest());
            byte[] arp = guest.receive();
            assertArrayEquals(APP_MAC, Arrays.copyOfRange(arp, 6, 12), "from the port's MAC");
            assertEquals(2, arp[21], "an ARP reply");
            byte[] request = echoRequest(1, 56);
            guest.send(request);
            byte[] reply = guest.receive();
            assertEquals(request.length, reply.length);
            assertEquals(0, reply[34], "an echo reply");
        }
        assertEquals(1, named.arpReplies.get());
        assertEquals(1, named.echoReplies.get());
    }

    @Test
    void aRemovedDevicesApplicationHearsItClosedOnceAfterItsPairStopped() throws Exception {
        backend.node(new JsonObject().put("action", "add-device").put("device", new JsonObject().put("id", "closing0")
                .put("type", "net").put("port", "app").put("app", ResponderProvider.NAME)
                .put("socket", dir.resolve("closing0.sock").toString())));
        ArpIcmpResponder app = ResponderProvider.MADE.get("closing0");
        try (GuestRam ram = new GuestRam(0, 8 << 20);
             FrontEnd fe = FrontEnd.start(dir.resolve("closing0.sock"), ram, FrontEnd.Options.split().withQueues(3))) {
            NetPort guest = new NetPort(fe, GUEST_MAC, 16);
            guest.send(arpRequest());
            guest.receive();
            backend.node(new JsonObject().put("action", "remove-device").put("id", "closing0"));
        }
        assertEquals(List.of(1L), app.closedAfterStops, "closed once, after the one pair stopped");
    }

    @Test
    void anApplicationNameNoProviderHasAndAnAppThatIsNoNameAreRefused() {
        ReplyException unknown = assertThrows(ReplyException.class, () -> backend.node(new JsonObject()
                .put("action", "add-device").put("device", new JsonObject().put("id", "stranger").put("type", "net")
                        .put("port", "app").put("app", "no-such-app")
                        .put("socket", dir.resolve("stranger.sock").toString()))));
        assertEquals(400, unknown.failureCode());
        assertTrue(unknown.getMessage().contains("\"no-such-app\"")
                && unknown.getMessage().contains("known: " + ResponderProvider.NAME), unknown.getMessage());
        ReplyException notAName = assertThrows(ReplyException.class, () -> backend.node(new JsonObject()
                .put("action", "add-device").put("device", new JsonObject().put("id", "numbered").put("type", "net")
                        .put("port", "app").put("app", 7).put("socket", dir.resolve("numbered.sock").toString()))));
        assertEquals(400, notAName.failureCode());
        assertTrue(notAName.getMessage().contains("\"app\" must be the name"), notAName.getMessage());
    }
}
