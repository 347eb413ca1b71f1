package org.vhostvertx.test.blk;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.vhostvertx.test.frontend.BackendProcess;
import org.vhostvertx.test.frontend.BlkDriver;
import org.vhostvertx.test.frontend.BlkVerifiedIo;
import org.vhostvertx.test.frontend.BlkioThrottle;
import org.vhostvertx.test.frontend.DeviceKind;
import org.vhostvertx.test.frontend.DriverRing;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestConnection;
import org.vhostvertx.test.frontend.RealClients;
import org.vhostvertx.test.frontend.ScsiDriver;
import org.vhostvertx.test.frontend.ScsiVerifiedIo;
import org.vhostvertx.test.frontend.VerifiedIo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A slow disk does not slow a fast one, nor a net port, on the same ring worker. The back end (the
 * jar, {@code "workers": 1}, so every queue of every device runs on that one worker) runs in a
 * blkio cgroup that holds the root disk to 4 KiB/s; one device (a blk disk, or a scsi LUN) has its
 * image there with "direct": true (so every write really is a block request the throttle holds), a
 * blk disk has its image in /dev/shm, and a net reflect port sends every frame back with its MACs
 * swapped. A 1 MiB write on the slow disk needs minutes under the throttle; while it is outstanding
 * the fast disk completes 500 verified requests and the reflect port returns 500 frames, each
 * checked byte for byte, batch by batch in turn (count-based: the slow write must still be
 * outstanding after them). Then the throttle is lifted and the slow write completes and reads back
 * intact. With the synchronous engine ({@code BACKEND_JVM_OPTS=-Dvhostvertx.ioUring=false}) the
 * worker sits in pwritev and the fast disk's first batch times out: this test fails there.
 */
class SlowDiskTest {

    private static final int SLOW_WRITE = 1 << 20;
    private static final long SLOW_SECTOR = 2048;
    private static final int FAST_DEPTH = 25;
    private static final int FAST_BATCHES = 10;
    /** Frames per batch through the reflect port: 500 in the first FAST_BATCHES batches. */
    private static final int NET_DEPTH = 50;

    /** The slow device's side: its configuration, the queue its write goes on, and how to write and read it. */
    private interface SlowDisk {
        JsonObject entry(Path image);

        int queueCount();

        /** Makes the device ready and submits the big write (kicked); returns the queue it is on. */
        FrontEnd.Queue submitWrite(GuestConnection c, byte[] data) throws IOException;

        /** After the write's completion: it succeeded, and reading it back gives data. */
        void checkWrittenAndReadBack(GuestConnection c, byte[] data) throws IOException;

        /** Once the write is in flight: more for the device while the write is held (nothing by default). */
        default void alongside(GuestConnection c) {
        }

        /** After more of the fast disk's requests, the write still outstanding: what must not have happened yet. */
        default void whileOutstanding(GuestConnection c) {
        }
    }

    @Test
    void aThrottledBlkDiskDoesNotDelayAFastDiskOrANetPortOnTheSameWorker() throws Exception {
        run(new SlowDisk() {
            private BlkDriver blk;
            private BlkDriver.Slot big;

            @Override
            public JsonObject entry(Path image) {
                return new JsonObject().put("type", "blk").put("image", image.toString()).put("size", "64M")
                        .put("direct", true);
            }

            @Override
            public int queueCount() {
                return 1;
            }

            @Override
            public FrontEnd.Queue submitWrite(GuestConnection c, byte[] data) {
                blk = new BlkDriver(c.fe().queue(0), c.ram());
                big = blk.slot(SLOW_WRITE);
                c.ram().write(big.data, data);
                blk.submitWrite(big, SLOW_SECTOR, SLOW_WRITE);
                blk.queue().kickIfNeeded();
                return blk.queue();
            }

            @Override
            public void checkWrittenAndReadBack(GuestConnection c, byte[] data) throws IOException {
                assertEquals(0, big.status(), "the slow write's status");
                BlkDriver.Slot back = blk.slot(SLOW_WRITE);
                assertEquals(0, blk.read(back, SLOW_SECTOR, SLOW_WRITE), "reading the slow write back");
                assertArrayEquals(data, blk.data(back, SLOW_WRITE), "the slow write, read back");
            }
        });
    }

    @Test
    void aThrottledScsiLunDoesNotDelayAFastDiskOrANetPortOnTheSameWorkerAndAbortTaskWaitsForTheWrite() throws Exception {
        run(new SlowDisk() {
            private ScsiDriver scsi;
            private ScsiDriver.Slot big;
            private long tmfResponse;
            private int tmfId;

            @Override
            public JsonObject entry(Path image) {
                return new JsonObject().put("type", "scsi").put("luns", new JsonArray().add(new JsonObject()
                        .put("image", image.toString()).put("size", "64M").put("direct", true)));
            }

            @Override
            public int queueCount() {
                return 3;
            }

            @Override
            public FrontEnd.Queue submitWrite(GuestConnection c, byte[] data) throws IOException {
                // Its constructor clears the LUN's power-on unit attention.
                new ScsiVerifiedIo(c.fe(), 1);
                scsi = new ScsiDriver(c.fe().queue(2), c.ram(), 4096);
                big = scsi.slot(SLOW_WRITE);
                c.ram().write(big.data, data);
                scsi.submit(big, true, SLOW_SECTOR, SLOW_WRITE);
                c.fe().queue(2).kickIfNeeded();
                return c.fe().queue(2);
            }

            /** ABORT TASK for the write: virtio-scsi answers it only once the write has completed. */
            @Override
            public void alongside(GuestConnection c) {
                long req = c.ram().alloc(24, 8);
                tmfResponse = c.ram().alloc(1, 1);
                ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
                b.putInt(0).putInt(0).put(ScsiDriver.lun(0)).putLong(1);   // T_TMF, ABORT_TASK, LUN 0, the tag
                c.ram().write(req, b.array());
                c.ram().write(tmfResponse, new byte[]{0x7f});
                FrontEnd.Queue control = c.fe().queue(0);
                tmfId = control.ring.add(DriverRing.Buf.in(req, 24), DriverRing.Buf.out(tmfResponse, 1));
                control.kickIfNeeded();
            }

            @Override
            public void whileOutstanding(GuestConnection c) {
                assertNull(c.fe().queue(0).ring.pollUsed(), "ABORT TASK answered while the write is in flight");
            }

            @Override
            public void checkWrittenAndReadBack(GuestConnection c, byte[] data) throws IOException {
                assertTrue(big.good(), "the slow WRITE completed GOOD");
                assertEquals(tmfId, c.fe().queue(0).awaitUsed(20_000).id(), "ABORT TASK answered after the write");
                assertEquals(0, c.ram().read(tmfResponse, 1)[0], "FUNCTION COMPLETE");
                ScsiDriver.Slot back = scsi.slot(SLOW_WRITE);
                scsi.submit(back, false, SLOW_SECTOR, SLOW_WRITE);
                FrontEnd.Queue q = c.fe().queue(2);
                q.kickIfNeeded();
                assertEquals(back.id, q.awaitUsed(20_000).id());
                assertTrue(back.good(), "reading the slow write back");
                assertArrayEquals(data, c.ram().read(back.data, SLOW_WRITE), "the slow write, read back");
            }
        });
    }

    private static void run(SlowDisk slowDisk) throws Exception {
        RealClients.require("SlowDiskTest (a disk throttled by a blkio cgroup)", BlkioThrottle.unavailableReason());
        Path work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "slow-disk");
        Path shm = Files.createTempDirectory(Path.of("/dev/shm"), "vhostvertx-fast");
        Path slowSocket = work.resolve("slow.sock");
        Path fastSocket = work.resolve("fast.sock");
        Path netSocket = work.resolve("net.sock");
        JsonObject config = new JsonObject().put("workers", 1).put("console", new JsonObject().put("enabled", false))
                .put("devices", new JsonArray()
                        .add(slowDisk.entry(work.resolve("slow.img")).put("id", "slow").put("socket", slowSocket.toString()))
                        .add(new JsonObject().put("id", "fast").put("type", "blk").put("socket", fastSocket.toString())
                                .put("image", shm.resolve("fast.img").toString()).put("size", "16M"))
                        .add(DeviceKind.REFLECT.entry("net", netSocket)));
        String jvm = System.getenv("BACKEND_JVM_OPTS");
        List<String> jvmOptions = jvm == null || jvm.isBlank() ? List.of() : List.of(jvm.trim().split("\\s+"));
        // Closed in reverse: the front ends, the back end, and then the group, which must be empty.
        try (BlkioThrottle throttle = BlkioThrottle.create(work);
             BackendProcess backend = BackendProcess.start(BackendProcess.jar(), jvmOptions, config, List.of(), work);
             GuestConnection slow = GuestConnection.open(slowSocket, slowDisk.queueCount());
             GuestConnection fast = GuestConnection.open(fastSocket, 1);
             GuestConnection net = GuestConnection.open(netSocket, DeviceKind.REFLECT.queues())) {
            throttle.add(backend.pid());
            throttle.limit(4096);
            try {
                byte[] data = VerifiedIo.pattern(7, 0, SLOW_WRITE);
                FrontEnd.Queue slowQueue = slowDisk.submitWrite(slow, data);
                List<VerifiedIo> others = List.of(new BlkVerifiedIo(fast.fe(), FAST_DEPTH, 4096),
                        DeviceKind.REFLECT.io(net, 1, NET_DEPTH));
                for (int b = 0; b < FAST_BATCHES; b++) {
                    for (VerifiedIo io : others) {
                        io.batch(b);
                    }
                }
                assertNull(slowQueue.ring.pollUsed(), "the slow write finished within the fast disk's "
                        + FAST_DEPTH * 2 * FAST_BATCHES + " requests and the net port's " + NET_DEPTH * FAST_BATCHES
                        + " frames: the throttle on " + throttle.device() + " did not hold it, so this proves nothing");
                // The worker has run many rounds since the write came: it is in flight, not waiting in the ring.
                slowDisk.alongside(slow);
                for (VerifiedIo io : others) {
                    io.batch(FAST_BATCHES);
                }
                slowDisk.whileOutstanding(slow);
                assertNull(slowQueue.ring.pollUsed(), "the slow write finished early");
                throttle.limit(0);
                DriverRing.Used used = slowQueue.awaitUsed(120_000);
                assertTrue(used.len() > 0, "the slow write came back with its status");
                slowDisk.checkWrittenAndReadBack(slow, data);
            } finally {
                // A back end cannot exit while the throttle holds its write.
                throttle.limit(0);
            }
        } finally {
            try (var files = Files.list(shm)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(shm);
        }
    }
}
