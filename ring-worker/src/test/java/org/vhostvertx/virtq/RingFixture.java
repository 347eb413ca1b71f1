package org.vhostvertx.virtq;

import org.vhostvertx.memory.GuestMemory;
import org.vhostvertx.memory.MemoryRegion;
import org.vhostvertx.test.frontend.DriverRing;
import org.vhostvertx.test.frontend.GuestRam;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/** Test guest memory mapped as the back end maps it, and a device-side queue over a driver's ring. */
final class RingFixture implements AutoCloseable {

    final GuestRam ram = new GuestRam(0, 1 << 20);
    final GuestMemory memory;
    private final List<MemoryRegion> regions = new ArrayList<>();

    RingFixture() {
        for (GuestRam.Region r : ram.regions()) {
            regions.add(MemoryRegion.map(r.gpa(), r.size(), r.uva(), 0, r.fd()));
        }
        memory = GuestMemory.of(regions);
    }

    Virtqueue device(DriverRing ring, long features, int base) {
        return device(ring, features, base, null);
    }

    /** As {@link #device(DriverRing, long, int)}, tracking in the inflight region when it is not null. */
    Virtqueue device(DriverRing ring, long features, int base, MemorySegment inflight) {
        VringAddresses a = new VringAddresses(ram.uva(ring.descGpa()), ram.uva(ring.driverGpa()),
                ram.uva(ring.deviceGpa()), 0, 0);
        return Virtqueue.create(memory, ring.size(), a, features, base, inflight, ring.size());
    }

    @Override
    public void close() {
        regions.forEach(MemoryRegion::close);
        ram.close();
    }
}
