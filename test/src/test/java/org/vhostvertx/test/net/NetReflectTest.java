package org.vhostvertx.test.net;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.DriverRing;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A reflect port through our Java front end: frames come back with MACs swapped, in one or several buffers. */
class NetReflectTest {

    static final int HDR = 12;
    static final long MRG_RXBUF = 1L << 15;

    @TempDir
    static Path dir;
    static Backend backend;
    static Path socket;

    GuestRam ram;
    FrontEnd fe;
    Map<Integer, Long> rxBufs = new HashMap<>();
    long rxArea;

    @BeforeAll
    static void start() throws Exception {
        socket = dir.resolve("net.sock");
        backend = Backend.start(Backend.config(new JsonObject().put("id", "r").put("type", "net").put("port", "reflect")
                .put("socket", socket.toString()).put("mac", "52:54:00:00:00:01")));
    }

    @AfterAll
    static void stop() throws Exception {
        backend.close();
    }

    @BeforeEach
    void connect() throws Exception {
        ram = new GuestRam(0, 8 << 20);
        fe = FrontEnd.start(socket, ram, FrontEnd.Options.split().withQueues(3));
        rxArea = ram.alloc(64 * 2048, 4096);
    }

    @AfterEach
    void close() {
        fe.close();
        ram.close();
    }

    void postRx(int count, int size) {
        for (int i = 0; i < count; i++) {
            long gpa = rxArea + (long) rxBufs.size() * 2048;
            int id = fe.queue(0).ring.add(DriverRing.Buf.out(gpa, size));
            rxBufs.put(id, gpa);
        }
        fe.queue(0).kickIfNeeded();
    }

    static byte[] frame(int length, long seed) {
        byte[] f = new byte[length];
        new Random(seed).nextBytes(f);
        byte[] dst = {0x52, 0x54, 0, 0, 0, 0x01};
        byte[] src = {0x52, 0x54, 0, 0, 0, 0x02};
        System.arraycopy(dst, 0, f, 0, 6);
        System.arraycopy(src, 0, f, 6, 6);
        return f;
    }

    static byte[] swapped(byte[] f) {
        byte[] s = f.clone();
        System.arraycopy(f, 6, s, 0, 6);
        System.arraycopy(f, 0, s, 6, 6);
        return s;
    }

    void send(byte[] frame) {
        long gpa = ram.alloc(HDR + frame.length, 16);
        ram.write(gpa + HDR, frame);
        fe.queue(1).ring.add(DriverRing.Buf.in(gpa, HDR + frame.length));
        fe.queue(1).kickIfNeeded();
    }

    /** The next received frame: its header's num_buffers and the bytes, gathered from as many buffers. */
    byte[] receive() throws Exception {
        DriverRing.Used u = fe.queue(0).awaitUsed(10_000);
        long first = rxBufs.remove(u.id());
        ByteBuffer h = ByteBuffer.wrap(ram.read(first, HDR)).order(ByteOrder.LITTLE_ENDIAN);
        int buffers = h.getShort(10);
        byte[] out = ram.read(first + HDR, u.len() - HDR);
        for (int i = 1; i < buffers; i++) {
            DriverRing.Used more = fe.queue(0).awaitUsed(10_000);
            byte[] part = ram.read(rxBufs.remove(more.id()), more.len());
            byte[] joined = Arrays.copyOf(out, out.length + part.length);
            System.arraycopy(part, 0, joined, out.length, part.length);
            out = joined;
        }
        return out;
    }

    @Test
    void framesComeBackWithMacsSwapped() throws Exception {
        postRx(16, 2048);
        for (int len : new int[]{60, 64, 512, 1514}) {
            byte[] f = frame(len, len);
            send(f);
            assertArrayEquals(swapped(f), receive(), "frame of " + len + " bytes");
        }
    }

    @Test
    void aFrameLargerThanOneBufferUsesSeveral() throws Exception {
        assertTrue((fe.features() & MRG_RXBUF) != 0, "MRG_RXBUF negotiated");
        postRx(8, 512);
        byte[] f = frame(1514, 7);
        send(f);
        assertArrayEquals(swapped(f), receive());
    }

    @Test
    void framesWaitForReceiveBuffersInsteadOfBeingDropped() throws Exception {
        byte[] a = frame(100, 1);
        byte[] b = frame(200, 2);
        send(a);
        send(b);
        Thread.sleep(100);
        assertNull(fe.queue(1).ring.pollUsed(), "the frames stay in the transmit ring while there is no receive buffer");
        postRx(4, 2048);
        assertArrayEquals(swapped(a), receive());
        assertArrayEquals(swapped(b), receive());
    }

    @Test
    void aTransmitBufferShorterThanTheHeaderIsCountedAndThePortGoesOn() throws Exception {
        postRx(4, 2048);
        long before = drops("badHeader");
        long bad = ram.alloc(8, 8);
        fe.queue(1).ring.add(DriverRing.Buf.in(bad, 8));
        fe.queue(1).kickIfNeeded();
        byte[] f = frame(90, 3);
        send(f);
        assertArrayEquals(swapped(f), receive(), "the port goes on after a bad frame");
        assertEquals(before + 1, drops("badHeader"));
    }

    @Test
    void aReceiveBufferInSmallPiecesGetsHeaderAndFrameWhole() throws Exception {
        // One receive buffer of 3 + 6 + 10 + 1000 bytes: the header and the MACs cross pieces.
        long gpa = rxArea + (long) rxBufs.size() * 2048;
        int id = fe.queue(0).ring.add(DriverRing.Buf.out(gpa, 3), DriverRing.Buf.out(gpa + 3, 6),
                DriverRing.Buf.out(gpa + 9, 10), DriverRing.Buf.out(gpa + 19, 1000));
        rxBufs.put(id, gpa);
        fe.queue(0).kickIfNeeded();
        byte[] f = frame(400, 12);
        send(f);
        DriverRing.Used u = fe.queue(0).awaitUsed(10_000);
        assertEquals(id, u.id());
        assertEquals(HDR + f.length, u.len());
        byte[] header = ram.read(gpa, HDR);
        assertArrayEquals(new byte[]{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0}, header, "a plain header, num_buffers 1");
        assertArrayEquals(swapped(f), ram.read(gpa + HDR, f.length));
        rxBufs.remove(id);
    }

    @Test
    void aHeaderAndFrameSplitAcrossDescriptorsArriveWhole() throws Exception {
        postRx(4, 2048);
        byte[] f = frame(300, 11);
        long gpa = ram.alloc(HDR + f.length, 16);
        ram.write(gpa + HDR, f);
        // header in 5 + 7 bytes, the frame in three pieces of 9, 100 and the rest
        fe.queue(1).ring.add(DriverRing.Buf.in(gpa, 5), DriverRing.Buf.in(gpa + 5, 7), DriverRing.Buf.in(gpa + 12, 9),
                DriverRing.Buf.in(gpa + 21, 100), DriverRing.Buf.in(gpa + 121, HDR + f.length - 121));
        fe.queue(1).kickIfNeeded();
        assertArrayEquals(swapped(f), receive());
    }

    @Test
    void headersAskingForOffloadsWeDidNotOfferAreCountedAndDropped() throws Exception {
        postRx(4, 2048);
        long before = drops("badHeader");
        byte[] f = frame(200, 12);
        long gpa = ram.alloc(HDR + f.length, 16);
        // NEEDS_CSUM with csum_start beyond the frame, and a GSO type, while no offload was negotiated
        ram.write(gpa, new byte[]{1, 0, 0, 0, 0, 0, (byte) 0xf0, 0x7f, 0, 0, 0, 0});
        ram.write(gpa + HDR, f);
        fe.queue(1).ring.add(DriverRing.Buf.in(gpa, HDR + f.length));
        long gso = ram.alloc(HDR + f.length, 16);
        ram.write(gso, new byte[]{0, 1, 0, 0, (byte) 0xdc, 5, 0, 0, 0, 0, 0, 0});
        ram.write(gso + HDR, f);
        fe.queue(1).ring.add(DriverRing.Buf.in(gso, HDR + f.length));
        fe.queue(1).kickIfNeeded();
        byte[] good = frame(80, 13);
        send(good);
        assertArrayEquals(swapped(good), receive(), "the port goes on");
        assertEquals(before + 2, drops("badHeader"));
    }

    long drops(String reason) throws Exception {
        return backend.vertx().eventBus().<JsonObject>request(Backend.controlAddress("r"), new JsonObject().put("action", "stats"))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).body().getJsonObject("info")
                .getJsonObject("drops").getLong(reason);
    }

    @Test
    void controlQueueAcceptsValidPairCountsOnly() throws Exception {
        assertEquals(0, ctrl(4, 0, new byte[]{1, 0}), "MQ_VQ_PAIRS_SET 1");
        assertEquals(1, ctrl(4, 0, new byte[]{2, 0}), "MQ_VQ_PAIRS_SET 2 on a one-pair port");
        assertEquals(0, ctrl(0, 0, new byte[]{1}), "RX promiscuous");
        assertEquals(1, ctrl(9, 0, new byte[0]), "unknown class");
    }

    int ctrl(int cls, int cmd, byte[] data) throws Exception {
        long req = ram.alloc(2 + data.length, 8);
        long ack = ram.alloc(1, 1);
        ram.write(req, new byte[]{(byte) cls, (byte) cmd});
        ram.write(req + 2, data);
        ram.write(ack, new byte[]{0x7f});
        fe.queue(2).ring.add(DriverRing.Buf.in(req, 2 + data.length), DriverRing.Buf.out(ack, 1));
        fe.queue(2).kickIfNeeded();
        fe.queue(2).awaitUsed(10_000);
        return ram.read(ack, 1)[0];
    }
}
