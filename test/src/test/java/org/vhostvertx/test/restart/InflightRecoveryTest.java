package org.vhostvertx.test.restart;

import org.junit.jupiter.api.Test;
import org.vhostvertx.memory.GuestMemory;
import org.vhostvertx.memory.MemoryRegion;
import org.vhostvertx.test.frontend.DriverRing;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.test.frontend.SplitDriverRing;
import org.vhostvertx.virtq.DescriptorChain;
import org.vhostvertx.virtq.InflightRegion;
import org.vhostvertx.virtq.Virtqueue;
import org.vhostvertx.virtq.VringAddresses;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A device that completes out of order dies; the queue made again from the same inflight region
 * serves exactly the buffers that were taken and never returned, oldest first, then new ones.
 */
class InflightRecoveryTest {

    static final long FEATURES = 1L << 32;

    @Test
    void outOfOrderCompletionsAreResubmittedOnce() {
        try (GuestRam ram = new GuestRam(0, 1 << 20);
             Arena arena = Arena.ofConfined()) {
            GuestRam.Region r = ram.regions().getFirst();
            MemoryRegion region = MemoryRegion.map(r.gpa(), r.size(), r.uva(), 0, r.fd());
            GuestMemory memory = GuestMemory.of(List.of(region));
            SplitDriverRing driver = new SplitDriverRing(ram, 16, false);
            VringAddresses addresses = new VringAddresses(ram.uva(driver.descGpa()), ram.uva(driver.driverGpa()),
                    ram.uva(driver.deviceGpa()), 0, 0);
            MemorySegment inflight = arena.allocate(InflightRegion.queueBytes(16), 64);
            long buf = ram.alloc(4096, 64);
            int a = driver.add(DriverRing.Buf.out(buf, 16));
            int b = driver.add(DriverRing.Buf.out(buf, 32));
            int c = driver.add(DriverRing.Buf.out(buf, 48));

            Virtqueue first = Virtqueue.create(memory, 16, addresses, FEATURES, 0, inflight, 16);
            DescriptorChain chainA = new DescriptorChain();
            DescriptorChain chainB = new DescriptorChain();
            DescriptorChain chainC = new DescriptorChain();
            assertTrue(first.pop(chainA));
            assertTrue(first.pop(chainB));
            assertTrue(first.pop(chainC));
            first.push(chainB, 32);
            first.publish();
            // The device dies here, holding a and c.

            int d = driver.add(DriverRing.Buf.out(buf, 64));
            Virtqueue second = Virtqueue.create(memory, 16, addresses, FEATURES, 1 /* QEMU: used idx */, inflight, 16);
            List<Integer> served = new ArrayList<>();
            DescriptorChain chain = new DescriptorChain();
            while (second.pop(chain)) {
                served.add(chain.id());
                second.push(chain, (int) chain.writableLength());
            }
            second.publish();
            assertEquals(List.of(a, c, d), served, "taken-but-not-returned first, oldest first, then the new one");

            List<Integer> used = new ArrayList<>();
            DriverRing.Used u;
            while ((u = driver.pollUsed()) != null) {
                used.add(u.id());
            }
            assertEquals(List.of(b, a, c, d), used, "each buffer comes back exactly once");
            assertFalse(second.hasAvailable());
            assertNull(driver.pollUsed());
            region.close();
        }
    }
}
