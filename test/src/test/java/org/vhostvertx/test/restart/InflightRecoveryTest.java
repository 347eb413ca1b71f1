package org.vhostvertx.test.restart;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vhostvertx.memory.GuestMemory;
import org.vhostvertx.memory.MemoryRegion;
import org.vhostvertx.test.frontend.DriverRing;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.test.frontend.PackedDriverRing;
import org.vhostvertx.test.frontend.SplitDriverRing;
import org.vhostvertx.virtq.DescriptorChain;
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
 * serves exactly the buffers that were taken and never returned, oldest first, then new ones. It is
 * made again with the base QEMU sends after a crash: the used index for a split ring, and for a
 * packed ring the stale initial base, as QEMU cannot read a packed ring's position back.
 */
class InflightRecoveryTest {

    static final long FEATURES = 1L << 32;

    @ParameterizedTest(name = "packed={0}")
    @ValueSource(booleans = {false, true})
    void outOfOrderCompletionsAreResubmittedOnce(boolean packed) {
        try (GuestRam ram = new GuestRam(0, 1 << 20);
             Arena arena = Arena.ofConfined()) {
            GuestRam.Region r = ram.regions().getFirst();
            MemoryRegion region = MemoryRegion.map(r.gpa(), r.size(), r.uva(), 0, r.fd());
            GuestMemory memory = GuestMemory.of(List.of(region));
            DriverRing driver = packed ? new PackedDriverRing(ram, 16) : new SplitDriverRing(ram, 16, false);
            long features = FEATURES | (packed ? Virtqueue.F_RING_PACKED : 0);
            VringAddresses addresses = new VringAddresses(ram.uva(driver.descGpa()), ram.uva(driver.driverGpa()),
                    ram.uva(driver.deviceGpa()), 0, 0);
            MemorySegment inflight = arena.allocate(Virtqueue.inflightBytes(16), 64);
            long buf = ram.alloc(4096, 64);
            int a = driver.add(DriverRing.Buf.out(buf, 16));
            int b = driver.add(DriverRing.Buf.out(buf, 32));
            int c = driver.add(DriverRing.Buf.out(buf, 48));

            Virtqueue first = Virtqueue.create(memory, 16, addresses, features, driver.initialBase(), inflight, 16);
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
            int base = packed ? driver.initialBase() : 1 /* the used index */;
            Virtqueue second = Virtqueue.create(memory, 16, addresses, features, base, inflight, 16);
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
