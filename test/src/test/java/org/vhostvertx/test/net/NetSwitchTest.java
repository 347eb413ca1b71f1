package org.vhostvertx.test.net;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.DriverRing;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.test.frontend.VhostUserClient;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Switch ports through our Java front end: flooding, learning, and counted drops. */
class NetSwitchTest {

    static final int HDR = 12;
    static final byte[] MAC_A = {0x52, 0x54, 0, 0, 0, 0x0a};
    static final byte[] MAC_B = {0x52, 0x54, 0, 0, 0, 0x0b};
    static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};

    @TempDir
    static Path dir;
    static Backend backend;

    @BeforeAll
    static void start() throws Exception {
        backend = Backend.start(Backend.config(port("a", "t"), port("b", "t"), port("lonely", "alone")));
    }

    static JsonObject port(String id, String sw) {
        return new JsonObject().put("id", id).put("type", "net").put("port", "switch").put("switch", sw)
                .put("socket", dir.resolve(id + ".sock").toString());
    }

    @AfterAll
    static void stop() throws Exception {
        backend.close();
    }

    /** One guest on a port: its memory, front end and receive buffers. */
    static final class Guest implements AutoCloseable {
        final GuestRam ram = new GuestRam(0, 4 << 20);
        final FrontEnd fe;
        final long rx;

        Guest(String id) throws Exception {
            this(id, 0);
        }

        Guest(String id, long refused) throws Exception {
            fe = FrontEnd.start(dir.resolve(id + ".sock"), ram, FrontEnd.Options.split().withQueues(3).refusing(refused));
            rx = ram.alloc(16 * 2048, 4096);
            for (int i = 0; i < 16; i++) {
                fe.queue(0).ring.add(DriverRing.Buf.out(rx + 2048L * i, 2048));
            }
            fe.queue(0).kickIfNeeded();
        }

        void send(byte[] dst, byte[] src, int length, long seed) {
            byte[] f = new byte[length];
            new Random(seed).nextBytes(f);
            System.arraycopy(dst, 0, f, 0, 6);
            System.arraycopy(src, 0, f, 6, 6);
            long gpa = ram.alloc(HDR + length, 16);
            ram.write(gpa + HDR, f);
            fe.queue(1).ring.add(DriverRing.Buf.in(gpa, HDR + length));
            fe.queue(1).kickIfNeeded();
        }

        byte[] receive() throws Exception {
            DriverRing.Used u = fe.queue(0).awaitUsed(10_000);
            lastHeader = ram.read(rx + 2048L * u.id(), HDR);
            return ram.read(rx + 2048L * u.id() + HDR, u.len() - HDR);
        }

        byte[] lastHeader;

        /** Sends a frame with the given virtio-net header. */
        void sendWithHeader(byte[] header, byte[] frame) {
            long gpa = ram.alloc(HDR + frame.length, 16);
            ram.write(gpa, header);
            ram.write(gpa + HDR, frame);
            fe.queue(1).ring.add(DriverRing.Buf.in(gpa, HDR + frame.length));
            fe.queue(1).kickIfNeeded();
        }

        @Override
        public void close() {
            fe.close();
            ram.close();
        }
    }

    static byte[] frame(byte[] dst, byte[] src, int length, long seed) {
        byte[] f = new byte[length];
        new Random(seed).nextBytes(f);
        System.arraycopy(dst, 0, f, 0, 6);
        System.arraycopy(src, 0, f, 6, 6);
        return f;
    }

    static JsonObject info(String id) throws Exception {
        return backend.vertx().eventBus().<JsonObject>request(Backend.controlAddress(id), new JsonObject().put("action", "stats"))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).body().getJsonObject("info");
    }

    @Test
    void broadcastFloodsThenUnicastGoesToTheLearnedPort() throws Exception {
        try (Guest a = new Guest("a"); Guest b = new Guest("b")) {
            a.send(BROADCAST, MAC_A, 60, 1);
            assertArrayEquals(frame(BROADCAST, MAC_A, 60, 1), b.receive(), "broadcast reaches the other port");
            b.send(MAC_A, MAC_B, 1514, 2);
            assertArrayEquals(frame(MAC_A, MAC_B, 1514, 2), a.receive(), "unicast to the learned address");
            byte[] unknown = {0x52, 0x54, 0, 0, 0, 0x77};
            a.send(unknown, MAC_A, 100, 3);
            assertArrayEquals(frame(unknown, MAC_A, 100, 3), b.receive(), "unknown unicast is flooded");
            Thread.sleep(50);
            assertNull(a.fe.queue(0).ring.pollUsed(), "a port never receives its own frames");
            assertTrue(info("a").getInteger("learned") >= 2, "the switch learned both source addresses");
        }
    }

    @Test
    void sendRarpAnnouncesTheGuestToTheOtherPortsAndSetMtuIsRecorded() throws Exception {
        try (Guest a = new Guest("a"); Guest b = new Guest("b")) {
            VhostUserClient c = a.fe.client();
            long rarp = 1L << 2;
            long netMtu = 1L << 4;
            c.send(VhostUserClient.SET_PROTOCOL_FEATURES, VhostUserClient.u64(FrontEnd.P_REPLY_ACK | rarp | netMtu));
            byte[] payload = new byte[8];
            System.arraycopy(MAC_A, 0, payload, 0, 6);
            assertEquals(0, c.sendAcked(19 /* SEND_RARP */, payload));
            byte[] f = b.receive();
            assertEquals(60, f.length);
            assertArrayEquals(BROADCAST, Arrays.copyOfRange(f, 0, 6));
            assertArrayEquals(MAC_A, Arrays.copyOfRange(f, 6, 12));
            assertEquals(0x8035, ((f[12] & 0xff) << 8) | (f[13] & 0xff), "RARP ethertype");
            assertArrayEquals(MAC_A, Arrays.copyOfRange(f, 22, 28), "sender hardware address");
            assertEquals(1, info("a").getLong("announcements"));

            // A guest that moved from port b to port a: the switch knew its MAC behind b, and the
            // front end on a announces it. Frames for it must now go to a (before, b's own frame
            // to it counted as "no destination", the guest being behind the port it came from).
            byte[] moved = {0x52, 0x54, 0, 0, 0, 0x0c};
            b.send(BROADCAST, moved, 60, 4);
            assertArrayEquals(frame(BROADCAST, moved, 60, 4), a.receive(), "the moving guest's last frame on b");
            System.arraycopy(moved, 0, payload, 0, 6);
            assertEquals(0, c.sendAcked(19 /* SEND_RARP */, payload));
            assertArrayEquals(moved, Arrays.copyOfRange(b.receive(), 6, 12), "the announcement from a");
            b.send(moved, MAC_B, 100, 5);
            assertArrayEquals(frame(moved, MAC_B, 100, 5), a.receive(), "unicast to the moved guest goes to its new port");

            assertEquals(0, c.sendAcked(20 /* NET_SET_MTU */, VhostUserClient.u64(4000)));
            assertEquals(4000, info("a").getInteger("mtu"));
            assertTrue(c.sendAcked(20, VhostUserClient.u64(10)) != 0, "an MTU of 10 is refused");

            // Only the front end may ask for these: an operator's control message cannot.
            for (String action : new String[]{"set-mtu", "send-rarp"}) {
                Throwable refused = assertThrows(java.util.concurrent.ExecutionException.class, () -> backend.vertx()
                        .eventBus().request(Backend.controlAddress("a"), new JsonObject().put("action", action).put("mtu", 2000)
                                .put("mac", "525400000001"))
                        .toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS));
                assertTrue(refused.getCause().getMessage().contains("not \"" + action + "\""), refused.getCause().getMessage());
            }
            assertEquals(4000, info("a").getInteger("mtu"), "the MTU the front end set stays");
        }
    }

    /** An Ethernet/IPv4/UDP frame whose UDP checksum field holds the pseudo-header sum, as a driver with CSUM leaves it. */
    static byte[] udpWithPartialChecksum(byte[] dst, byte[] src, int payload) {
        int udpLen = 8 + payload;
        java.nio.ByteBuffer f = java.nio.ByteBuffer.allocate(14 + 20 + udpLen);
        f.put(dst).put(src).putShort((short) 0x0800);
        f.put((byte) 0x45).put((byte) 0).putShort((short) (20 + udpLen)).putShort((short) 1).putShort((short) 0)
                .put((byte) 64).put((byte) 17).putShort((short) 0).put(new byte[]{(byte) 169, (byte) 254, 1, 1})
                .put(new byte[]{(byte) 169, (byte) 254, 1, 2});
        f.putShort((short) 1234).putShort((short) 5678).putShort((short) udpLen).putShort((short) 0);
        byte[] data = new byte[payload];
        new Random(payload).nextBytes(data);
        f.put(data);
        byte[] b = f.array();
        long pseudo = ((169 << 8) | 254) + ((1 << 8) | 1) + ((169 << 8) | 254) + ((1 << 8) | 2) + 17 + udpLen;
        pseudo = (pseudo & 0xffff) + (pseudo >>> 16);
        b[14 + 20 + 6] = (byte) (pseudo >> 8);
        b[14 + 20 + 7] = (byte) pseudo;
        return b;
    }

    /** The UDP checksum verifies when pseudo-header plus segment (checksum included) sum to 0xffff. */
    static boolean udpChecksumVerifies(byte[] f) {
        int udpLen = ((f[14 + 20 + 4] & 0xff) << 8) | (f[14 + 20 + 5] & 0xff);
        long sum = ((169 << 8) | 254) + ((1 << 8) | 1) + ((169 << 8) | 254) + ((1 << 8) | 2) + 17 + udpLen;
        for (int i = 34; i < 34 + udpLen; i += 2) {
            sum += ((f[i] & 0xff) << 8) | (i + 1 < 34 + udpLen ? f[i + 1] & 0xff : 0);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return sum == 0xffff;
    }

    static final byte[] PARTIAL_CSUM_HEADER = {1, 0, 0, 0, 0, 0, 34, 0, 6, 0, 0, 0};

    @Test
    void aPartialChecksumIsPassedOnOrCompletedAsTheReceiverNegotiated() throws Exception {
        long guestCsum = 1L << 1;
        try (Guest a = new Guest("a"); Guest b = new Guest("b", guestCsum)) {
            byte[] f = udpWithPartialChecksum(MAC_B, MAC_A, 333);
            a.sendWithHeader(PARTIAL_CSUM_HEADER, f);
            byte[] got = b.receive();
            assertEquals(0, b.lastHeader[0], "no NEEDS_CSUM for a guest without GUEST_CSUM");
            assertTrue(udpChecksumVerifies(got), "the switch completed the UDP checksum");
            assertArrayEquals(Arrays.copyOfRange(f, 0, 40), Arrays.copyOfRange(got, 0, 40));
            assertArrayEquals(Arrays.copyOfRange(f, 42, f.length), Arrays.copyOfRange(got, 42, got.length));
        }
        try (Guest a = new Guest("a"); Guest b = new Guest("b")) {
            byte[] f = udpWithPartialChecksum(MAC_B, MAC_A, 333);
            a.sendWithHeader(PARTIAL_CSUM_HEADER, f);
            assertArrayEquals(f, b.receive(), "passed on untouched to a guest with GUEST_CSUM");
            assertEquals(1, b.lastHeader[0], "NEEDS_CSUM");
            assertEquals(34, b.lastHeader[6]);
            assertEquals(6, b.lastHeader[8]);
        }
    }

    /** Ethernet/IPv4/TCP with payload bytes, TCP checksum field seeded with the pseudo-header sum without length. */
    static byte[] tcpFrame(byte[] dst, byte[] src, int payload, int seq) {
        java.nio.ByteBuffer f = java.nio.ByteBuffer.allocate(14 + 20 + 20 + payload);
        f.put(dst).put(src).putShort((short) 0x0800);
        f.put((byte) 0x45).put((byte) 0).putShort((short) (40 + payload)).putShort((short) 100).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 6).putShort((short) 0).put(new byte[]{(byte) 169, (byte) 254, 1, 1})
                .put(new byte[]{(byte) 169, (byte) 254, 1, 2});
        f.putShort((short) 40000).putShort((short) 5001).putInt(seq).putInt(7).put((byte) 0x50).put((byte) 0x19)
                .putShort((short) 65535).putShort((short) 0).putShort((short) 0);
        byte[] data = new byte[payload];
        new Random(seq).nextBytes(data);
        f.put(data);
        return f.array();
    }

    static int sum16(byte[] b, int from, int to) {
        long s = 0;
        for (int i = from; i < to; i += 2) {
            s += ((b[i] & 0xff) << 8) | (i + 1 < to ? b[i + 1] & 0xff : 0);
        }
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) s;
    }

    static boolean tcpChecksumVerifies(byte[] f) {
        int tcpLen = f.length - 34;
        long s = sum16(f, 26, 34) + 6 + tcpLen + sum16(f, 34, f.length);
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return s == 0xffff;
    }

    static final byte[] TSO4_HEADER = {1, 1, 54, 0, (byte) 0xa8, 5, 34, 0, 16, 0, 0, 0};

    @Test
    void aLargeTcpFrameIsSegmentedForAGuestWithoutTsoAndPassedOnToOneWithIt() throws Exception {
        long guestTso = (1L << 7) | (1L << 8);
        byte[] big = tcpFrame(MAC_B, MAC_A, 4000, 1_000_000);
        try (Guest a = new Guest("a"); Guest b = new Guest("b", guestTso)) {
            a.sendWithHeader(TSO4_HEADER, big);
            int[] sizes = {1448, 1448, 1104};
            long seq = 1_000_000;
            for (int i = 0; i < 3; i++) {
                byte[] seg = b.receive();
                assertEquals(54 + sizes[i], seg.length, "segment " + i);
                assertEquals(0, b.lastHeader[0], "no offload flags on a segment");
                assertEquals(40 + sizes[i], ((seg[16] & 0xff) << 8) | (seg[17] & 0xff), "IPv4 total length");
                assertEquals(0xffff, sum16(seg, 14, 34), "IPv4 header checksum of segment " + i);
                assertEquals(seq, java.nio.ByteBuffer.wrap(seg, 38, 4).getInt() & 0xffffffffL, "sequence number");
                assertTrue(tcpChecksumVerifies(seg), "TCP checksum of segment " + i);
                assertEquals(i == 2 ? 0x19 : 0x10, seg[47] & 0xff, "FIN and PSH only on the last segment");
                assertArrayEquals(Arrays.copyOfRange(big, 54 + 1448 * i, 54 + 1448 * i + sizes[i]),
                        Arrays.copyOfRange(seg, 54, seg.length), "payload of segment " + i);
                seq += sizes[i];
            }
        }
        try (Guest a = new Guest("a"); Guest b = new Guest("b")) {
            a.sendWithHeader(TSO4_HEADER, big);
            DriverRing.Used u = b.fe.queue(0).awaitUsed(10_000);
            byte[] hdr = b.ram.read(b.rx + 2048L * u.id(), HDR);
            assertEquals(1, hdr[0], "NEEDS_CSUM passed on");
            assertEquals(1, hdr[1], "GSO TCPV4 passed on");
            assertEquals(1448, ((hdr[5] & 0xff) << 8) | (hdr[4] & 0xff), "gso_size passed on");
            int buffers = ((hdr[11] & 0xff) << 8) | (hdr[10] & 0xff);
            assertTrue(buffers >= 2, "a 4054-byte frame in 2 KiB buffers uses several");
            for (int i = 1; i < buffers; i++) {
                b.fe.queue(0).awaitUsed(10_000);
            }
        }
    }

    @Test
    void aFrameWithNowhereToGoIsCountedAsNoDestination() throws Exception {
        try (Guest lonely = new Guest("lonely")) {
            long before = info("lonely").getJsonObject("drops").getLong("noDestination");
            for (int i = 0; i < 5; i++) {
                lonely.send(BROADCAST, MAC_A, 64, i);
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (info("lonely").getJsonObject("drops").getLong("noDestination") < before + 5
                    && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(before + 5, info("lonely").getJsonObject("drops").getLong("noDestination"));
            for (int i = 0; i < 5; i++) {
                lonely.fe.queue(1).awaitUsed(5000);
            }
        }
    }

    @Test
    void aPortWithoutReceiveBuffersDropsAndCountsIt() throws Exception {
        try (Guest a = new Guest("a"); Guest b = new Guest("b")) {
            long before = info("b").getJsonObject("drops").getLong("noBuffer");
            // b's 16 buffers fill up; the rest of a's frames are dropped at b as "no buffer".
            for (int i = 0; i < 20; i++) {
                a.send(MAC_B, MAC_A, 64, i);
            }
            for (int i = 0; i < 16; i++) {
                assertEquals(64, b.receive().length);
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (info("b").getJsonObject("drops").getLong("noBuffer") < before + 4 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(before + 4, info("b").getJsonObject("drops").getLong("noBuffer"));
        }
    }
}
