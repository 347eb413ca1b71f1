package org.vhostvertx.test.net;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.DriverRing;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostvertx.test.net.NetReflectTest.swapped;
import static org.vhostvertx.test.net.NetSwitchTest.BROADCAST;
import static org.vhostvertx.test.net.NetSwitchTest.MAC_A;
import static org.vhostvertx.test.net.NetSwitchTest.MAC_B;
import static org.vhostvertx.test.net.NetSwitchTest.frame;

/**
 * VIRTIO_F_IN_ORDER on net ports, both ring layouts: a driver that negotiated it gets every queue's
 * buffers back in the order it made them available, through what reorders most easily: a frame
 * dropped for a bad header between good ones, frames spread over several receive buffers, and
 * frames that wait in the transmit ring until receive buffers come.
 */
class NetInOrderTest {

    static final int HDR = 12;

    @TempDir
    static Path dir;
    static Backend backend;

    @BeforeAll
    static void start() throws Exception {
        backend = Backend.start(Backend.config(
                new JsonObject().put("id", "reflect").put("type", "net").put("port", "reflect")
                        .put("socket", dir.resolve("reflect.sock").toString()),
                new JsonObject().put("id", "a").put("type", "net").put("port", "switch").put("switch", "s")
                        .put("socket", dir.resolve("a.sock").toString()),
                new JsonObject().put("id", "b").put("type", "net").put("port", "switch").put("switch", "s")
                        .put("socket", dir.resolve("b.sock").toString())));
    }

    @AfterAll
    static void stop() throws Exception {
        backend.close();
    }

    /** One guest driver that checks the order of every used buffer against the order it added them. */
    static final class Guest implements AutoCloseable {
        final GuestRam ram = new GuestRam(0, 8 << 20);
        final FrontEnd fe;
        /** Receive buffers by id, and the ids in the order they were made available (not yet used). */
        final Map<Integer, Long> rxAt = new HashMap<>();
        final ArrayDeque<Integer> rxOrder = new ArrayDeque<>();
        final ArrayDeque<Integer> txOrder = new ArrayDeque<>();

        Guest(String id, boolean packed) throws Exception {
            FrontEnd.Options o = packed ? FrontEnd.Options.packedRing() : FrontEnd.Options.split();
            fe = FrontEnd.start(dir.resolve(id + ".sock"), ram, o.withQueues(3).withInOrder(true));
            assertTrue((fe.features() & FrontEnd.IN_ORDER) != 0, "IN_ORDER negotiated");
        }

        void postRx(int count, int size) {
            for (int i = 0; i < count; i++) {
                long gpa = ram.alloc(size, 64);
                int id = fe.queue(0).ring.add(DriverRing.Buf.out(gpa, size));
                rxAt.put(id, gpa);
                rxOrder.add(id);
            }
            fe.queue(0).kickIfNeeded();
        }

        void send(byte[] frame) {
            long gpa = ram.alloc(HDR + frame.length, 16);
            ram.write(gpa + HDR, frame);
            sendRaw(gpa, HDR + frame.length);
        }

        /** A buffer too short for a virtio-net header: the port drops it and must still return it in turn. */
        void sendBad() {
            sendRaw(ram.alloc(8, 8), 8);
        }

        private void sendRaw(long gpa, int len) {
            txOrder.add(fe.queue(1).ring.add(DriverRing.Buf.in(gpa, len)));
        }

        /**
         * Kicks the transmit queue for the frames added since the last kick. Their port's worker
         * went to sleep before they were added (callers wait a little first), so it takes them as
         * one burst, where a port could most easily return them out of order.
         */
        void kick() {
            fe.queue(1).kickIfNeeded();
        }

        /** The next received frame, each of its buffers checked to be the oldest one made available. */
        byte[] receive() throws Exception {
            DriverRing.Used u = fe.queue(0).awaitUsed(10_000);
            assertEquals(rxOrder.poll(), u.id(), "the receive buffer used is the oldest available");
            long first = rxAt.remove(u.id());
            int buffers = ByteBuffer.wrap(ram.read(first, HDR)).order(ByteOrder.LITTLE_ENDIAN).getShort(10);
            byte[] out = ram.read(first + HDR, u.len() - HDR);
            for (int i = 1; i < buffers; i++) {
                DriverRing.Used more = fe.queue(0).awaitUsed(10_000);
                assertEquals(rxOrder.poll(), more.id(), "buffer " + (i + 1) + " of " + buffers + " of a frame");
                byte[] part = ram.read(rxAt.remove(more.id()), more.len());
                out = Arrays.copyOf(out, out.length + part.length);
                System.arraycopy(part, 0, out, out.length - part.length, part.length);
            }
            return out;
        }

        /** Waits for the transmit buffers sent so far to come back, each the oldest outstanding. */
        void awaitTransmitted() throws Exception {
            while (!txOrder.isEmpty()) {
                DriverRing.Used u = fe.queue(1).awaitUsed(10_000);
                assertEquals(txOrder.poll(), u.id(), "the transmit buffer returned is the oldest outstanding");
            }
        }

        @Override
        public void close() {
            fe.close();
            ram.close();
        }
    }

    /** Long enough for an idle worker to stop polling and sleep until kicked (pollMicros is 50 by default). */
    static void letTheWorkerSleep() throws InterruptedException {
        Thread.sleep(20);
    }

    @ParameterizedTest(name = "packed {0}")
    @ValueSource(booleans = {false, true})
    void aReflectPortReturnsBothQueuesBuffersInTheOrderTheyCame(boolean packed) throws Exception {
        try (Guest g = new Guest("reflect", packed)) {
            // Three whole buffers, then small ones: the fifth frame takes four, the sixth three.
            g.postRx(3, 2048);
            g.postRx(8, 256);
            letTheWorkerSleep();
            List<byte[]> sent = new ArrayList<>();
            int[] lengths = {100, 1514, 60, 900, 600, 400};
            for (int i = 0; i < lengths.length; i++) {
                if (i == 3) {
                    g.sendBad();
                }
                byte[] f = frame(MAC_A, MAC_B, lengths[i], i);
                sent.add(f);
                g.send(f);
            }
            g.kick();
            // 100, 1514 and 60 take the three large buffers, 900 four small, 600 three: one small
            // left, too little for 400, which waits in the transmit ring (its buffer not returned).
            for (int i = 0; i < 5; i++) {
                assertArrayEquals(swapped(sent.get(i)), g.receive(), "frame " + i);
            }
            for (int i = 0; i < 6; i++) {
                assertEquals(g.txOrder.poll(), g.fe.queue(1).awaitUsed(10_000).id(), "transmit buffer " + i);
            }
            Thread.sleep(100);
            assertNull(g.fe.queue(1).ring.pollUsed(), "the last frame waits for receive buffers");
            g.postRx(8, 2048);
            assertArrayEquals(swapped(sent.get(5)), g.receive(), "the frame that waited");
            letTheWorkerSleep();
            List<byte[]> more = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                byte[] f = frame(MAC_A, MAC_B, 60 + 290 * i, 10 + i);
                more.add(f);
                g.send(f);
            }
            g.kick();
            for (byte[] f : more) {
                assertArrayEquals(swapped(f), g.receive());
            }
            g.awaitTransmitted();
        }
    }

    @ParameterizedTest(name = "packed {0}")
    @ValueSource(booleans = {false, true})
    void switchPortsReturnBuffersInTheOrderTheyCame(boolean packed) throws Exception {
        try (Guest a = new Guest("a", packed); Guest b = new Guest("b", packed)) {
            a.postRx(8, 2048);
            b.postRx(4, 2048);
            b.postRx(8, 256);
            // b makes itself known; a's frames then go to b, with a bad one, one to a's own
            // address (nowhere to go) and a broadcast among them.
            b.send(frame(BROADCAST, MAC_B, 60, 1));
            b.kick();
            a.receive();
            b.awaitTransmitted();
            letTheWorkerSleep();
            List<byte[]> toB = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                byte[] f = frame(i == 3 ? BROADCAST : MAC_B, MAC_A, new int[]{64, 1514, 700, 90, 1200, 300}[i], 20 + i);
                toB.add(f);
                a.send(f);
                if (i == 1) {
                    a.sendBad();
                    a.send(frame(MAC_A, MAC_A, 80, 99));
                }
            }
            a.kick();
            a.awaitTransmitted();
            for (int i = 0; i < toB.size(); i++) {
                assertArrayEquals(toB.get(i), b.receive(), "frame " + i + " to b");
            }
        }
    }
}
