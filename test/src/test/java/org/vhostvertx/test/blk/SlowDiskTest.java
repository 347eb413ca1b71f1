package org.vhostvertx.test.blk;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.vhostvertx.test.frontend.BackendProcess;
import org.vhostvertx.test.frontend.BlkDriver;
import org.vhostvertx.test.frontend.BlkVerifiedIo;
import org.vhostvertx.test.frontend.BlkioThrottle;
import org.vhostvertx.test.frontend.DriverRing;
import org.vhostvertx.test.frontend.GuestConnection;
import org.vhostvertx.test.frontend.RealClients;
import org.vhostvertx.test.frontend.VerifiedIo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A slow disk does not slow a fast one on the same ring worker. The back end (the jar, one worker)
 * runs in a blkio cgroup that holds the root disk to 4 KiB/s; one blk device has its image there
 * with "direct": true (so every write really is a block request the throttle holds), the other in
 * /dev/shm. A 1 MiB write on the slow disk needs minutes under the throttle; while it is
 * outstanding the fast disk completes 500 verified requests (count-based: the slow write must still
 * be outstanding after them). Then the throttle is lifted and the slow write completes and reads
 * back intact. With the synchronous engine ({@code BACKEND_JVM_OPTS=-Dvhostvertx.ioUring=false})
 * the worker sits in pwritev and the fast disk's first batch times out: this test fails there.
 */
class SlowDiskTest {

    private static final int SLOW_WRITE = 1 << 20;
    private static final int FAST_DEPTH = 25;
    private static final int FAST_BATCHES = 10;

    @Test
    void aThrottledDiskDoesNotDelayAFastDiskOnTheSameWorker() throws Exception {
        RealClients.require("SlowDiskTest (a disk throttled by a blkio cgroup)", BlkioThrottle.unavailableReason());
        Path work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "slow-disk");
        Path shm = Files.createTempDirectory(Path.of("/dev/shm"), "vhostvertx-fast");
        Path slowImage = work.resolve("slow.img");
        Path slowSocket = work.resolve("slow.sock");
        Path fastSocket = work.resolve("fast.sock");
        JsonObject config = new JsonObject().put("workers", 1).put("console", new JsonObject().put("enabled", false))
                .put("devices", new JsonArray()
                        .add(new JsonObject().put("id", "slow").put("type", "blk").put("socket", slowSocket.toString())
                                .put("image", slowImage.toString()).put("size", "64M").put("direct", true))
                        .add(new JsonObject().put("id", "fast").put("type", "blk").put("socket", fastSocket.toString())
                                .put("image", shm.resolve("fast.img").toString()).put("size", "16M")));
        String jvm = System.getenv("BACKEND_JVM_OPTS");
        List<String> jvmOptions = jvm == null || jvm.isBlank() ? List.of() : List.of(jvm.trim().split("\\s+"));
        // Closed in reverse: the front ends, the back end, and then the group, which must be empty.
        try (BlkioThrottle throttle = BlkioThrottle.create(work);
             BackendProcess backend = BackendProcess.start(BackendProcess.jar(), jvmOptions, config, List.of(), work);
             GuestConnection slow = GuestConnection.open(slowSocket, 1);
             GuestConnection fast = GuestConnection.open(fastSocket, 1)) {
            throttle.add(backend.pid());
            throttle.limit(4096);
            try {
                slowWriteOutlastsFastIo(throttle, slow, fast);
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

    private static void slowWriteOutlastsFastIo(BlkioThrottle throttle, GuestConnection slow, GuestConnection fast)
            throws Exception {
        BlkDriver slowBlk = new BlkDriver(slow.fe().queue(0), slow.ram());
        BlkDriver.Slot big = slowBlk.slot(SLOW_WRITE);
        byte[] data = VerifiedIo.pattern(7, 0, SLOW_WRITE);
        slow.ram().write(big.data, data);
        slowBlk.submitWrite(big, 2048, SLOW_WRITE);
        slowBlk.queue().kickIfNeeded();

        BlkVerifiedIo fastIo = new BlkVerifiedIo(fast.fe(), FAST_DEPTH, 4096);
        for (int b = 0; b < FAST_BATCHES; b++) {
            fastIo.batch(b);
        }
        int verified = FAST_DEPTH * 2 * FAST_BATCHES;
        assertNull(slowBlk.queue().ring.pollUsed(), "the slow write finished within the fast disk's " + verified
                + " requests: the throttle on " + throttle.device() + " did not hold it, so this proves nothing");

        throttle.limit(0);
        DriverRing.Used used = slowBlk.queue().awaitUsed(120_000);
        assertNotNull(used);
        assertEquals(big.id, used.id());
        assertEquals(0, big.status(), "the slow write's status");
        BlkDriver.Slot back = slowBlk.slot(SLOW_WRITE);
        assertEquals(0, slowBlk.read(back, 2048, SLOW_WRITE), "reading the slow write back");
        assertArrayEquals(data, slowBlk.data(back, SLOW_WRITE), "the slow write, read back");
    }
}
