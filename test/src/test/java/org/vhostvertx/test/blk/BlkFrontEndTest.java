package org.vhostvertx.test.blk;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.BlkDriver;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** virtio-blk through our Java front end: every request type, both ring layouts, both ways of describing buffers. */
class BlkFrontEndTest {

    static final long SIZE = 64L << 20;
    static final byte S_OK = 0;
    static final byte S_IOERR = 1;
    static final byte S_UNSUPP = 2;

    @TempDir
    static Path dir;
    static Backend backend;
    static Path image;

    @BeforeAll
    static void start() throws Exception {
        image = dir.resolve("disk.img");
        backend = Backend.start(Backend.config(
                new JsonObject().put("id", "disk").put("type", "blk").put("socket", dir.resolve("disk.sock").toString())
                        .put("image", image.toString()).put("size", SIZE).put("queues", 2),
                new JsonObject().put("id", "ro").put("type", "blk").put("socket", dir.resolve("ro.sock").toString())
                        .put("ram", true).put("size", "1M").put("readOnly", true)));
    }

    @AfterAll
    static void stop() throws Exception {
        backend.close();
    }

    static Stream<FrontEnd.Options> layouts() {
        return Stream.of(FrontEnd.Options.split(), FrontEnd.Options.split().withEventIdx(false),
                FrontEnd.Options.packedRing(), FrontEnd.Options.split().withAddMemReg(true));
    }

    static byte[] pattern(long seed, int len) {
        byte[] b = new byte[len];
        new Random(seed).nextBytes(b);
        return b;
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void writesReadBackAndReachTheImage(FrontEnd.Options options) throws Exception {
        try (GuestRam ram = new GuestRam(0, 8 << 20);
             FrontEnd fe = FrontEnd.start(dir.resolve("disk.sock"), ram, options)) {
            BlkDriver blk = new BlkDriver(fe.queue(0), ram);
            BlkDriver.Slot s = blk.slot(128 << 10);
            long[] sectors = {0, 8, 2048 + 3, SIZE / 512 - 256};
            for (int i = 0; i < sectors.length; i++) {
                byte[] data = pattern(sectors[i] * 31 + options.hashCode(), i == 3 ? 128 << 10 : 4096);
                assertEquals(S_OK, blk.write(s, sectors[i], data));
                ram.write(s.data, new byte[data.length]);
                assertEquals(S_OK, blk.read(s, sectors[i], data.length));
                assertArrayEquals(data, blk.data(s, data.length), "sector " + sectors[i]);
                try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
                    ByteBuffer onDisk = ByteBuffer.allocate(data.length);
                    ch.read(onDisk, sectors[i] * 512);
                    assertArrayEquals(data, onDisk.array(), "image at sector " + sectors[i]);
                }
            }
            blk.submitBare(s, BlkDriver.T_FLUSH);
            assertEquals(1, blk.run(s));
            assertEquals(S_OK, s.status());
        }
    }

    @Test
    void indirectDescriptorsAndBuffersAcrossTwoRegions() throws Exception {
        try (GuestRam ram = new GuestRam(0, 4 << 20, 4 << 20);
             FrontEnd fe = FrontEnd.start(dir.resolve("disk.sock"), ram, FrontEnd.Options.split())) {
            BlkDriver blk = new BlkDriver(fe.queue(0), ram).indirect(true);
            BlkDriver.Slot s = blk.slot(64 << 10);
            byte[] data = pattern(7, 16384);
            assertEquals(S_OK, blk.write(s, 100, data));
            assertEquals(S_OK, blk.read(s, 100, data.length));
            assertArrayEquals(data, blk.data(s, data.length));
            // A data buffer that starts in the first region and ends in the second.
            ram.allocFrom((4 << 20) - 6000);
            BlkDriver.Slot spanning = new BlkDriver(fe.queue(0), ram).slot(4096);
            BlkDriver direct = new BlkDriver(fe.queue(0), ram);
            long start = (4 << 20) - 2048;
            byte[] across = pattern(8, 4096);
            ram.write(start, across);
            int id = fe.queue(0).ring.add(
                    org.vhostvertx.test.frontend.DriverRing.Buf.in(headerAt(ram, spanning.header, BlkDriver.T_OUT, 300), 16),
                    org.vhostvertx.test.frontend.DriverRing.Buf.in(start, 4096),
                    org.vhostvertx.test.frontend.DriverRing.Buf.out(spanning.status, 1));
            fe.queue(0).kickIfNeeded();
            assertEquals(id, fe.queue(0).awaitUsed(10_000).id());
            assertEquals(S_OK, spanning.status());
            assertEquals(S_OK, direct.read(s, 300, 4096));
            assertArrayEquals(across, blk.data(s, 4096));
        }
    }

    static long headerAt(GuestRam ram, long gpa, int type, long sector) {
        ram.write(gpa, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(type).putInt(0).putLong(sector)
                .array());
        return gpa;
    }

    @Test
    void queueDepth32OnTwoQueuesCompletesEveryRequestOnce() throws Exception {
        try (GuestRam ram = new GuestRam(0, 16 << 20);
             FrontEnd fe = FrontEnd.start(dir.resolve("disk.sock"), ram, FrontEnd.Options.packedRing().withQueues(2))) {
            for (int q = 0; q < 2; q++) {
                BlkDriver blk = new BlkDriver(fe.queue(q), ram);
                List<BlkDriver.Slot> slots = new ArrayList<>();
                Map<Integer, BlkDriver.Slot> byId = new HashMap<>();
                for (int i = 0; i < 32; i++) {
                    BlkDriver.Slot s = blk.slot(4096);
                    ram.write(s.data, pattern(q * 100 + i, 4096));
                    blk.submitWrite(s, 4096 + (q * 32 + i) * 8L, 4096);
                    slots.add(s);
                    byId.put(s.id, s);
                }
                fe.queue(q).kickIfNeeded();
                for (int i = 0; i < 32; i++) {
                    BlkDriver.Slot s = byId.remove(fe.queue(q).awaitUsed(10_000).id());
                    assertEquals(S_OK, s.status());
                }
                assertTrue(byId.isEmpty());
                for (int i = 0; i < 32; i++) {
                    BlkDriver.Slot s = slots.get(i);
                    assertEquals(S_OK, blk.read(s, 4096 + (q * 32 + i) * 8L, 4096));
                    assertArrayEquals(pattern(q * 100 + i, 4096), blk.data(s, 4096));
                }
            }
        }
    }

    @Test
    void errorsGetTheirStatusByte() throws Exception {
        try (GuestRam ram = new GuestRam(0, 4 << 20);
             FrontEnd fe = FrontEnd.start(dir.resolve("disk.sock"), ram, FrontEnd.Options.split())) {
            BlkDriver blk = new BlkDriver(fe.queue(0), ram);
            BlkDriver.Slot s = blk.slot(8192);
            assertEquals(S_IOERR, blk.read(s, SIZE / 512, 512), "read past the end");
            assertEquals(S_IOERR, blk.read(s, SIZE / 512 - 1, 1024), "read crossing the end");
            assertEquals(S_IOERR, blk.write(s, 0, new byte[100]), "write of a partial sector");
            blk.submitBare(s, 99);
            blk.run(s);
            assertEquals(S_UNSUPP, s.status(), "unknown request type");
            assertEquals(S_UNSUPP, blk.discardOrZeroes(s, BlkDriver.T_DISCARD, 0, 8, 1), "discard with unmap");
            assertEquals(S_IOERR, blk.discardOrZeroes(s, BlkDriver.T_DISCARD, SIZE / 512, 8, 0), "discard past the end");
        }
    }

    @Test
    void getIdDiscardAndWriteZeroes() throws Exception {
        try (GuestRam ram = new GuestRam(0, 4 << 20);
             FrontEnd fe = FrontEnd.start(dir.resolve("disk.sock"), ram, FrontEnd.Options.split())) {
            BlkDriver blk = new BlkDriver(fe.queue(0), ram);
            BlkDriver.Slot s = blk.slot(8192);
            headerAt(ram, s.header, BlkDriver.T_GET_ID, 0);
            ram.write(s.data, pattern(1, 20));
            s.id = fe.queue(0).ring.add(org.vhostvertx.test.frontend.DriverRing.Buf.in(s.header, 16),
                    org.vhostvertx.test.frontend.DriverRing.Buf.out(s.data, 20),
                    org.vhostvertx.test.frontend.DriverRing.Buf.out(s.status, 1));
            assertEquals(21, blk.run(s));
            assertEquals(S_OK, s.status());
            byte[] id = new byte[20];
            System.arraycopy("disk".getBytes(), 0, id, 0, 4);
            assertArrayEquals(id, blk.data(s, 20));

            byte[] data = pattern(3, 8192);
            assertEquals(S_OK, blk.write(s, 5000, data));
            assertEquals(S_OK, blk.discardOrZeroes(s, BlkDriver.T_WRITE_ZEROES, 5000, 8, 0));
            assertEquals(S_OK, blk.read(s, 5000, 8192));
            byte[] expect = data.clone();
            java.util.Arrays.fill(expect, 0, 4096, (byte) 0);
            assertArrayEquals(expect, blk.data(s, 8192));
            assertEquals(S_OK, blk.discardOrZeroes(s, BlkDriver.T_WRITE_ZEROES, 5008, 8, 1));
            assertEquals(S_OK, blk.discardOrZeroes(s, BlkDriver.T_DISCARD, 4000, 8, 0));
            assertEquals(S_OK, blk.read(s, 5000, 8192));
            assertArrayEquals(new byte[8192], blk.data(s, 8192));
        }
    }

    @Test
    void readOnlyDiskRefusesWritesAndSaysSo() throws Exception {
        try (GuestRam ram = new GuestRam(0, 4 << 20);
             FrontEnd fe = FrontEnd.start(dir.resolve("ro.sock"), ram, FrontEnd.Options.split())) {
            assertTrue((fe.features() & (1L << 5)) != 0, "VIRTIO_BLK_F_RO offered");
            BlkDriver blk = new BlkDriver(fe.queue(0), ram);
            BlkDriver.Slot s = blk.slot(4096);
            assertEquals(S_IOERR, blk.write(s, 0, new byte[4096]));
            assertEquals(S_IOERR, blk.discardOrZeroes(s, BlkDriver.T_WRITE_ZEROES, 0, 8, 0));
            assertEquals(S_OK, blk.read(s, 0, 4096));
            byte[] cfg = fe.config(0, 60);
            ByteBuffer c = ByteBuffer.wrap(cfg).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals((1 << 20) / 512, c.getLong(0), "capacity in sectors");
            assertEquals(512, c.getInt(20), "blk_size");
        }
    }

    @Test
    void configSpaceDescribesTheDisk() throws Exception {
        try (GuestRam ram = new GuestRam(0, 4 << 20);
             FrontEnd fe = FrontEnd.connect(dir.resolve("disk.sock"), ram, FrontEnd.Options.split())) {
            ByteBuffer c = ByteBuffer.wrap(fe.config(0, 60)).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(SIZE / 512, c.getLong(0));
            assertEquals(2, c.getShort(34), "num_queues");
            assertEquals(1, c.get(32), "writeback");
            assertTrue(Files.size(image) == SIZE);
        }
    }
}
