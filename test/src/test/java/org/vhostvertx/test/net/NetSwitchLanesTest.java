package org.vhostvertx.test.net;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.DriverRing;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Switch ports with two queue pairs (our Java front end, two workers): pair k of every port is the
 * switch's lane k, each lane on its own worker; a frame sent on pair 1 arrives on the receiver's
 * pair 1, and on its pair 0 (handed over to the other worker) when the receiver uses one pair.
 */
class NetSwitchLanesTest {

    static final int HDR = NetSwitchTest.HDR;
    static final byte[] BROADCAST = NetSwitchTest.BROADCAST;
    static final byte[] MAC_A = {0x52, 0x54, 0, 0, 1, 0x0a};
    static final byte[] MAC_B = {0x52, 0x54, 0, 0, 1, 0x0b};

    @TempDir
    static Path dir;
    static Backend backend;

    @BeforeAll
    static void start() throws Exception {
        backend = Backend.start(Backend.config(port("la"), port("lb")));
    }

    static JsonObject port(String id) {
        return new JsonObject().put("id", id).put("type", "net").put("port", "switch").put("switch", "lanes")
                .put("queues", 2).put("socket", dir.resolve(id + ".sock").toString());
    }

    @AfterAll
    static void stop() throws Exception {
        backend.close();
    }

    /** A guest with two queue pairs (queues 0..3) and the control queue (4). */
    static final class Guest implements AutoCloseable {
        final GuestRam ram = new GuestRam(0, 4 << 20);
        final FrontEnd fe;
        final long[] rx = new long[2];

        Guest(String id) throws Exception {
            fe = FrontEnd.start(dir.resolve(id + ".sock"), ram, FrontEnd.Options.split().withQueues(5));
            for (int pair = 0; pair < 2; pair++) {
                rx[pair] = ram.alloc(16 * 2048, 4096);
                for (int i = 0; i < 16; i++) {
                    fe.queue(2 * pair).ring.add(DriverRing.Buf.out(rx[pair] + 2048L * i, 2048));
                }
                fe.queue(2 * pair).kickIfNeeded();
            }
        }

        void send(int pair, byte[] frame) {
            long gpa = ram.alloc(HDR + frame.length, 16);
            ram.write(gpa + HDR, frame);
            fe.queue(2 * pair + 1).ring.add(DriverRing.Buf.in(gpa, HDR + frame.length));
            fe.queue(2 * pair + 1).kickIfNeeded();
        }

        byte[] receive(int pair) throws Exception {
            DriverRing.Used u = fe.queue(2 * pair).awaitUsed(10_000);
            return ram.read(rx[pair] + 2048L * u.id() + HDR, u.len() - HDR);
        }

        int pairsSet(int pairs) throws Exception {
            long req = ram.alloc(4, 8);
            long ack = ram.alloc(1, 1);
            ram.write(req, new byte[]{4, 0, (byte) pairs, 0});
            ram.write(ack, new byte[]{0x7f});
            fe.queue(4).ring.add(DriverRing.Buf.in(req, 4), DriverRing.Buf.out(ack, 1));
            fe.queue(4).kickIfNeeded();
            fe.queue(4).awaitUsed(10_000);
            return ram.read(ack, 1)[0];
        }

        @Override
        public void close() {
            fe.close();
            ram.close();
        }
    }

    static byte[] frame(byte[] dst, byte[] src, int length, int fill) {
        byte[] f = new byte[length];
        java.util.Arrays.fill(f, (byte) fill);
        System.arraycopy(dst, 0, f, 0, 6);
        System.arraycopy(src, 0, f, 6, 6);
        return f;
    }

    static JsonObject stats(String id) throws Exception {
        return TestpmdSwitchTest.stats(backend, id);
    }

    static String worker(String id, int queue) throws Exception {
        JsonArray queues = stats(id).getJsonArray("queues");
        for (int i = 0; i < queues.size(); i++) {
            if (queues.getJsonObject(i).getInteger("index") == queue) {
                return queues.getJsonObject(i).getString("worker");
            }
        }
        throw new AssertionError("queue " + queue + " of " + id + " does not run: " + queues);
    }

    /** Waits until no queue of either port runs (a previous test's queues have left their workers). */
    static void awaitIdle() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            boolean idle = true;
            for (String id : new String[]{"la", "lb"}) {
                JsonArray queues = stats(id).getJsonArray("queues");
                for (int i = 0; i < queues.size(); i++) {
                    idle &= queues.getJsonObject(i).getString("worker") == null;
                }
            }
            if (idle) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "queues of an earlier test still run");
            Thread.sleep(20);
        }
    }

    @Test
    void eachPairIsALaneOnItsOwnWorkerAndFramesStayInTheirLane() throws Exception {
        awaitIdle();
        long before = stats("lb").getJsonObject("info").getLong("handovers");
        try (Guest a = new Guest("la"); Guest b = new Guest("lb")) {
            for (int pair = 0; pair < 2; pair++) {
                byte[] f = frame(BROADCAST, MAC_A, 200, pair + 1);
                a.send(pair, f);
                assertArrayEquals(f, b.receive(pair), "a frame sent on pair " + pair + " arrives on pair " + pair);
            }
            byte[] back = frame(MAC_A, MAC_B, 1514, 7);
            b.send(1, back);
            assertArrayEquals(back, a.receive(1), "unicast to the learned address, on pair 1");
            Thread.sleep(50);
            assertNull(a.fe.queue(0).ring.pollUsed(), "nothing on the other pair");
            assertEquals(worker("la", 0), worker("la", 1), "a pair's queues share a worker");
            assertEquals(worker("la", 0), worker("lb", 0), "pair 0 of both ports is one lane");
            assertEquals(worker("la", 2), worker("lb", 3), "pair 1 of both ports is one lane");
            assertNotEquals(worker("la", 0), worker("la", 2), "the two lanes run on the two workers");
            assertEquals(before, stats("lb").getJsonObject("info").getLong("handovers"), "no frame changed workers");
        }
    }

    @Test
    void aReceiverUsingOnePairGetsPairOneFramesHandedOverToPairZero() throws Exception {
        awaitIdle();
        try (Guest a = new Guest("la"); Guest b = new Guest("lb")) {
            assertNotEquals(worker("lb", 0), worker("la", 3), "the lanes run on two workers");
            assertEquals(0, b.pairsSet(1), "MQ_VQ_PAIRS_SET 1");
            long before = stats("lb").getJsonObject("info").getLong("handovers");
            for (int i = 0; i < 5; i++) {
                byte[] f = frame(BROADCAST, MAC_A, 60 + 300 * i, 0x40 + i);
                a.send(1, f);
                assertArrayEquals(f, b.receive(0), "frame " + i + " of pair 1 arrives whole on pair 0");
            }
            Thread.sleep(50);
            assertNull(b.fe.queue(2).ring.pollUsed(), "nothing on the pair the driver does not use");
            assertEquals(before + 5, stats("lb").getJsonObject("info").getLong("handovers"));

            assertEquals(0, b.pairsSet(2), "MQ_VQ_PAIRS_SET 2");
            byte[] f = frame(BROADCAST, MAC_A, 100, 0x55);
            a.send(1, f);
            assertArrayEquals(f, b.receive(1), "back on its own lane");

            b.fe.stopQueue(2);
            byte[] g = frame(BROADCAST, MAC_A, 100, 0x66);
            a.send(1, g);
            assertArrayEquals(g, b.receive(0), "a stopped receive queue is skipped");
            JsonObject drops = stats("lb").getJsonObject("info").getJsonObject("drops");
            assertEquals(0, drops.getLong("noBuffer"), "nothing was dropped: " + drops);
            assertTrue(stats("la").getJsonObject("info").getJsonObject("drops").getLong("noDestination") == 0);
        }
    }
}
