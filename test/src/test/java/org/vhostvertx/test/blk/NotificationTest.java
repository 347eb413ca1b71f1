package org.vhostvertx.test.blk;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.BlkDriver;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.test.frontend.SplitDriverRing;
import org.vhostvertx.test.frontend.VhostUserClient;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The device calls the driver only when the driver asked for it (NO_INTERRUPT, EVENT_IDX's used_event). */
class NotificationTest {

    @TempDir
    static Path dir;
    static Backend backend;
    static Path socket;

    @BeforeAll
    static void start() throws Exception {
        socket = dir.resolve("d.sock");
        backend = Backend.start(Backend.config(new JsonObject().put("id", "d").put("type", "blk")
                .put("socket", socket.toString()).put("ram", true).put("size", "1M")));
    }

    @AfterAll
    static void stop() throws Exception {
        backend.close();
    }

    /** Submits n reads at once and waits (without consuming them) until all are in the used ring. */
    static List<BlkDriver.Slot> readBatch(BlkDriver blk, SplitDriverRing ring, int n, int usedBefore) throws Exception {
        List<BlkDriver.Slot> slots = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            BlkDriver.Slot s = blk.slot(512);
            blk.submitRead(s, i, 512);
            slots.add(s);
        }
        blk.queue().kickIfNeeded();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (((ring.usedIdx() - usedBefore) & 0xffff) < n) {
            assertTrue(System.nanoTime() < deadline, "requests did not complete");
            Thread.sleep(1);
        }
        Thread.sleep(50); // a call, if one was coming, has been made by now
        return slots;
    }

    @Test
    void noInterruptFlagSuppressesCalls() throws Exception {
        try (GuestRam ram = new GuestRam(0, 1 << 20);
             FrontEnd fe = FrontEnd.start(socket, ram, FrontEnd.Options.split().withEventIdx(false))) {
            SplitDriverRing ring = (SplitDriverRing) fe.queue(0).ring;
            BlkDriver blk = new BlkDriver(fe.queue(0), ram);
            ring.setAvailFlags(1);
            readBatch(blk, ring, 8, 0);
            assertEquals(0, fe.queue(0).calls(), "calls while the driver said NO_INTERRUPT");
            for (int i = 0; i < 8; i++) {
                ring.pollUsed();
            }
            ring.setAvailFlags(0);
            readBatch(blk, ring, 1, 8);
            assertTrue(fe.queue(0).calls() >= 1, "a call once interrupts are wanted again");
        }
    }

    @Test
    void aCallWantedBeforeTheCallFdArrivedIsMadeWhenItArrives() throws Exception {
        // QEMU starts rings and sends SET_VRING_CALL afterwards without waiting for us.
        try (GuestRam ram = new GuestRam(0, 1 << 20);
             FrontEnd fe = FrontEnd.start(socket, ram, FrontEnd.Options.split());
             org.vhostvertx.linux.EventFd late = new org.vhostvertx.linux.EventFd()) {
            VhostUserClient c = fe.client();
            assertEquals(0, c.sendAcked(VhostUserClient.SET_VRING_CALL, VhostUserClient.u64(0x100)), "no call fd");
            SplitDriverRing ring = (SplitDriverRing) fe.queue(0).ring;
            BlkDriver blk = new BlkDriver(fe.queue(0), ram);
            readBatch(blk, ring, 1, 0);
            assertEquals(0, late.drain());
            assertEquals(0, c.sendAcked(VhostUserClient.SET_VRING_CALL, VhostUserClient.u64(0), late.fd()));
            long deadline = System.nanoTime() + 5_000_000_000L;
            long calls = 0;
            while (calls == 0 && System.nanoTime() < deadline) {
                calls = late.drain();
                Thread.sleep(5);
            }
            assertEquals(1, calls, "the call the driver wanted is made on the new eventfd");
        }
    }

    @Test
    void usedEventCallsOnceWhenPassed() throws Exception {
        try (GuestRam ram = new GuestRam(0, 1 << 20);
             FrontEnd fe = FrontEnd.start(socket, ram, FrontEnd.Options.split())) {
            SplitDriverRing ring = (SplitDriverRing) fe.queue(0).ring;
            BlkDriver blk = new BlkDriver(fe.queue(0), ram);
            // "Call me when the used index passes 6": 16 completions, in however many bursts, one call.
            ring.setUsedEvent(6);
            readBatch(blk, ring, 16, 0);
            assertEquals(1, fe.queue(0).calls(), "calls for 16 completions with used_event 6");
            // used_event left behind at 6: no more calls for the next completions.
            readBatch(blk, ring, 4, 16);
            assertEquals(1, fe.queue(0).calls());
        }
    }
}
