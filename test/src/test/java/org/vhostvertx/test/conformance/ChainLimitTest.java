package org.vhostvertx.test.conformance;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.BlkDriver;
import org.vhostvertx.test.frontend.DriverRing;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.test.frontend.PackedDriverRing;
import org.vhostvertx.test.frontend.SplitDriverRing;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The longest chain a device accepts is what it offered the driver (blk: seg_max + 2 descriptors),
 * whatever the ring's layout or size: Linux builds indirect tables that long on a ring of 128, and a
 * packed ring once refused them, hanging the guest's 4 MiB direct writes. One descriptor more
 * breaks the queue on both layouts alike.
 */
class ChainLimitTest {

    /** blk's seg_max (what its config space says) plus the header and the status descriptors. */
    static final int LIMIT = 1024;
    static final int SEG_MAX_OFFSET = 12;
    static final long NEEDS_RESET = 0x40;

    @TempDir
    static Path dir;
    static Backend backend;
    static Path socket;

    @BeforeAll
    static void start() throws Exception {
        socket = dir.resolve("disk.sock");
        backend = Backend.start(Backend.config(new JsonObject().put("id", "disk").put("type", "blk")
                .put("socket", socket.toString()).put("ram", true).put("size", "16M")));
    }

    @AfterAll
    static void stop() throws Exception {
        backend.close();
    }

    static Stream<FrontEnd.Options> rings() {
        return Stream.of(FrontEnd.Options.split().withQueueSize(128), FrontEnd.Options.packedRing().withQueueSize(128),
                FrontEnd.Options.split().withQueueSize(1024), FrontEnd.Options.packedRing().withQueueSize(1024));
    }

    @ParameterizedTest
    @MethodSource("rings")
    void aChainOfSegMaxPlusTwoDescriptorsIsServedOnEveryRing(FrontEnd.Options options) throws Exception {
        try (GuestRam ram = new GuestRam(0, 16 << 20);
             FrontEnd fe = FrontEnd.start(socket, ram, options)) {
            int segMax = ByteBuffer.wrap(fe.config(SEG_MAX_OFFSET, 4)).order(ByteOrder.LITTLE_ENDIAN).getInt();
            assertEquals(LIMIT - 2, segMax, "the seg_max the device offers");
            int segments = segMax;
            long data = ram.alloc(4096L * segments, 4096);
            byte[] written = new byte[4096 * segments];
            new Random(options.hashCode()).nextBytes(written);
            ram.write(data, written);
            long header = ram.alloc(16, 16);
            long status = ram.alloc(1, 1);
            headerAt(ram, header, BlkDriver.T_OUT, 64);
            submitIndirect(fe, ram, options.packed(), header, data, segments, 4096, false, status);
            DriverRing.Used u = fe.queue(0).awaitUsed(20_000);
            assertEquals(0, ram.read(status, 1)[0], "write status");
            assertEquals(1, u.len());

            ram.write(data, new byte[written.length]);
            headerAt(ram, header, BlkDriver.T_IN, 64);
            submitIndirect(fe, ram, options.packed(), header, data, segments, 4096, true, status);
            u = fe.queue(0).awaitUsed(20_000);
            assertEquals(0, ram.read(status, 1)[0], "read status");
            assertEquals(written.length + 1, u.len());
            assertArrayEquals(written, ram.read(data, written.length), "the data read back");
            assertEquals(0, fe.status() & NEEDS_RESET);
        }
    }

    @ParameterizedTest
    @MethodSource("rings")
    void oneDescriptorMoreThanOfferedBreaksTheQueue(FrontEnd.Options options) throws Exception {
        try (GuestRam ram = new GuestRam(0, 16 << 20);
             FrontEnd fe = FrontEnd.start(socket, ram, options)) {
            int segments = LIMIT - 1;
            long data = ram.alloc(512L * segments, 4096);
            long header = ram.alloc(16, 16);
            long status = ram.alloc(1, 1);
            headerAt(ram, header, BlkDriver.T_IN, 0);
            submitIndirect(fe, ram, options.packed(), header, data, segments, 512, true, status);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((fe.status() & NEEDS_RESET) == 0) {
                assertTrue(System.nanoTime() < deadline, "a chain of " + (LIMIT + 1) + " descriptors was not refused");
                Thread.sleep(10);
            }
        }
    }

    static void headerAt(GuestRam ram, long gpa, int type, long sector) {
        ram.write(gpa, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(type).putInt(0).putLong(sector)
                .array());
    }

    /**
     * Makes one request available through an indirect table of header, segments data buffers of
     * segmentSize bytes (deviceWrites=false: the device reads them) and the status byte.
     */
    static void submitIndirect(FrontEnd fe, GuestRam ram, boolean packed, long header, long data, int segments,
                               int segmentSize, boolean deviceWrites, long status) {
        int entries = segments + 2;
        long table = ram.alloc(16L * entries, 16);
        MemorySegment t = ram.at(table, 16L * entries);
        for (int i = 0; i < entries; i++) {
            long addr = i == 0 ? header : i == entries - 1 ? status : data + (long) segmentSize * (i - 1);
            int len = i == 0 ? 16 : i == entries - 1 ? 1 : segmentSize;
            boolean writable = i == entries - 1 || (i > 0 && deviceWrites);
            t.set(ValueLayout.JAVA_LONG_UNALIGNED, 16L * i, addr);
            t.set(ValueLayout.JAVA_INT_UNALIGNED, 16L * i + 8, len);
            if (packed) {
                // id (ignored in a table), then flags: WRITE only; the table's length ends the chain
                t.set(ValueLayout.JAVA_SHORT_UNALIGNED, 16L * i + 12, (short) 0);
                t.set(ValueLayout.JAVA_SHORT_UNALIGNED, 16L * i + 14, (short) (writable ? 2 : 0));
            } else {
                // flags NEXT (but the last) and WRITE, then next
                int flags = (i < entries - 1 ? 1 : 0) | (writable ? 2 : 0);
                t.set(ValueLayout.JAVA_SHORT_UNALIGNED, 16L * i + 12, (short) flags);
                t.set(ValueLayout.JAVA_SHORT_UNALIGNED, 16L * i + 14, (short) (i + 1));
            }
        }
        if (packed) {
            ((PackedDriverRing) fe.queue(0).ring).addRaw(table, 16 * entries, 4);
        } else {
            SplitDriverRing ring = (SplitDriverRing) fe.queue(0).ring;
            int head = ring.takeDesc();
            ring.writeDesc(head, table, 16 * entries, 4, 0);
            ring.publish(head);
        }
        fe.queue(0).kickIfNeeded();
    }
}
