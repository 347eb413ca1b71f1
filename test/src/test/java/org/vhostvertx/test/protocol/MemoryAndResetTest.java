package org.vhostvertx.test.protocol;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.BlkDriver;
import org.vhostvertx.test.frontend.DriverRing;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.test.frontend.ProcessResources;
import org.vhostvertx.test.frontend.SplitDriverRing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostvertx.test.frontend.VhostUserClient.*;

/**
 * Guest memory that changes under running queues (ADD_MEM_REG, REM_MEM_REG, as memory hotplug
 * does), ring state kept across a stop and start (GET/SET_VRING_BASE), and RESET_DEVICE bringing a
 * broken device back.
 */
class MemoryAndResetTest {

    @TempDir
    static Path dir;
    static Backend backend;
    static Path socket;

    @BeforeAll
    static void start() throws Exception {
        socket = dir.resolve("d.sock");
        backend = Backend.start(Backend.config(new JsonObject().put("id", "d").put("type", "blk")
                .put("socket", socket.toString()).put("ram", true).put("size", "4M")));
    }

    @AfterAll
    static void stop() throws Exception {
        backend.close();
    }

    static long mappings() throws IOException {
        return ProcessResources.self().mappings("test-guest-ram");
    }

    @Test
    void regionsAddedAndRemovedWhileTheQueueRuns() throws Exception {
        // Two regions; the back end first gets only the first, where the ring lives.
        try (GuestRam ram = new GuestRam(0, 1 << 20, 1 << 20);
             FrontEnd fe = FrontEnd.connect(socket, ram, FrontEnd.Options.split().withAddMemReg(true))) {
            assertEquals(0, fe.client().sendAcked(REM_MEM_REG, memRegion(ram.regions().get(1))));
            long before = mappings();
            fe.startQueues();
            BlkDriver blk = new BlkDriver(fe.queue(0), ram);
            BlkDriver.Slot low = blk.slot(4096);
            assertEquals(0, blk.read(low, 0, 4096));

            ram.allocFrom((1 << 20) + 4096);
            BlkDriver.Slot high = blk.slot(4096);
            byte[] data = new byte[4096];
            Arrays.fill(data, (byte) 0x5a);
            // The data buffer lives in the second region: hand it over while the queue runs.
            assertEquals(0, fe.client().sendAcked(ADD_MEM_REG, memRegion(ram.regions().get(1)), ram.regions().get(1).fd()));
            assertEquals(before + 1, mappings(), "the new region is mapped");
            assertEquals(0, blk.write(high, 24, data));
            assertEquals(0, blk.read(low, 24, 4096));
            assertArrayEquals(data, blk.data(low, 4096));

            assertEquals(0, fe.client().sendAcked(REM_MEM_REG, memRegion(ram.regions().get(1))));
            assertEquals(before, mappings(), "the removed region is unmapped");
            assertEquals(0, blk.read(low, 24, 4096), "the queue goes on in the remaining region");
            assertEquals(0, fe.status() & 0x40);
            assertNotEquals(0, fe.client().sendAcked(REM_MEM_REG, memRegion(ram.regions().get(1))),
                    "removing a region twice is refused");
        }
    }

    @Test
    void aRegionAddedTwiceIsMappedOnceAndStaysUntilRemovedTwice() throws Exception {
        // QEMU 7.2 runs a multi-queue net device as one vhost device per queue pair on one
        // connection, and each adds the guest's regions.
        try (GuestRam ram = new GuestRam(0, 1 << 20, 1 << 20);
             FrontEnd fe = FrontEnd.connect(socket, ram, FrontEnd.Options.split().withAddMemReg(true))) {
            fe.startQueues();
            long before = mappings();
            var second = ram.regions().get(1);
            assertEquals(0, fe.client().sendAcked(ADD_MEM_REG, memRegion(second), second.fd()), "the same region again");
            assertEquals(before, mappings(), "not mapped twice");
            assertEquals(0, fe.client().sendAcked(REM_MEM_REG, memRegion(second)), "one of the two adds taken back");
            assertEquals(before, mappings(), "the region stays for the other add");
            BlkDriver blk = new BlkDriver(fe.queue(0), ram);
            ram.allocFrom((1 << 20) + 4096);
            BlkDriver.Slot high = blk.slot(4096);
            assertEquals(0, blk.read(high, 0, 4096), "a buffer in the region still works");
            assertEquals(0, fe.client().sendAcked(REM_MEM_REG, memRegion(second)));
            assertEquals(before - 1, mappings(), "removed as often as added: unmapped");
        }
    }

    @Test
    void ringStateSurvivesStopAndStart() throws Exception {
        try (GuestRam ram = new GuestRam(0, 2 << 20);
             FrontEnd fe = FrontEnd.start(socket, ram, FrontEnd.Options.split().withQueueSize(8))) {
            BlkDriver blk = new BlkDriver(fe.queue(0), ram);
            BlkDriver.Slot s = blk.slot(4096);
            for (int i = 0; i < 11; i++) {
                assertEquals(0, blk.read(s, i, 4096));
            }
            assertEquals(11, fe.stopQueue(0), "GET_VRING_BASE reports the next available index");
            SplitDriverRing ring = (SplitDriverRing) fe.queue(0).ring;
            assertEquals(0, fe.client().sendAcked(SET_VRING_BASE, state(0, 11)));
            assertEquals(0, fe.client().sendAcked(SET_VRING_KICK, u64(0), fe.queue(0).kick.fd()));
            for (int i = 0; i < 11; i++) {
                assertEquals(0, blk.read(s, i, 4096), "request " + i + " after the restart");
            }
            assertEquals(22, fe.stopQueue(0));
            assertTrue(ring.free() > 0);
        }
    }

    @Test
    void resetDeviceRecoversFromABrokenRing() throws Exception {
        try (GuestRam ram = new GuestRam(0, 2 << 20);
             FrontEnd fe = FrontEnd.start(socket, ram, FrontEnd.Options.split())) {
            ((SplitDriverRing) fe.queue(0).ring).setAvailIdx(1000);
            fe.queue(0).kick.signal();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((fe.status() & 0x40) == 0) {
                assertTrue(System.nanoTime() < deadline, "NEEDS_RESET");
                Thread.sleep(10);
            }
            assertEquals(0, fe.client().sendAcked(RESET_DEVICE, new byte[0]));
            assertEquals(0, fe.status() & 0x40, "reset clears NEEDS_RESET");
        }
        // A driver sets the device up again from scratch on the same back end: it works.
        try (GuestRam ram = new GuestRam(0, 2 << 20);
             FrontEnd fe = FrontEnd.start(socket, ram, FrontEnd.Options.packedRing())) {
            BlkDriver blk = new BlkDriver(fe.queue(0), ram);
            assertEquals(0, blk.read(blk.slot(4096), 0, 4096));
        }
    }
}
