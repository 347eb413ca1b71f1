package org.vhostvertx.memory;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * An immutable snapshot of the guest's memory: the mapped regions, sorted by guest-physical address.
 *
 * <p>A new table (SET_MEM_TABLE, ADD_MEM_REG, REM_MEM_REG) makes a new snapshot; rings switch to it
 * while quiesced, then the regions no snapshot uses any more are unmapped. Every translation checks
 * that the whole range lies inside one region, so no front-end address reaches memory unchecked.
 */
public final class GuestMemory {

    public static final GuestMemory EMPTY = new GuestMemory(new MemoryRegion[0]);

    private final MemoryRegion[] regions;

    private GuestMemory(MemoryRegion[] regionsSortedByGpa) {
        this.regions = regionsSortedByGpa;
    }

    /** A snapshot of the given regions; they must not overlap in guest-physical or user space. */
    public static GuestMemory of(List<MemoryRegion> regions) {
        MemoryRegion[] sorted = regions.toArray(new MemoryRegion[0]);
        Arrays.sort(sorted, Comparator.comparingLong(MemoryRegion::guestPhysAddr));
        for (int i = 1; i < sorted.length; i++) {
            MemoryRegion prev = sorted[i - 1];
            if (prev.guestPhysAddr() + prev.size() > sorted[i].guestPhysAddr()) {
                throw new GuestMemoryException("memory regions overlap: " + prev + " and " + sorted[i]);
            }
        }
        return new GuestMemory(sorted);
    }

    public List<MemoryRegion> regions() {
        return List.of(regions);
    }

    public int regionCount() {
        return regions.length;
    }

    /** This snapshot plus one region. */
    public GuestMemory with(MemoryRegion region) {
        List<MemoryRegion> list = new ArrayList<>(List.of(regions));
        list.add(region);
        return of(list);
    }

    /** The region with exactly these coordinates, or null. */
    public MemoryRegion find(long gpa, long size, long uva) {
        for (MemoryRegion r : regions) {
            if (r.sameAs(gpa, size, uva)) {
                return r;
            }
        }
        return null;
    }

    /** This snapshot less one region. */
    public GuestMemory without(MemoryRegion region) {
        List<MemoryRegion> list = new ArrayList<>(List.of(regions));
        list.remove(region);
        return of(list);
    }

    /** The region holding guest-physical address gpa, or null. */
    public MemoryRegion regionOfGpa(long gpa) {
        int lo = 0;
        int hi = regions.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            MemoryRegion r = regions[mid];
            if (Long.compareUnsigned(gpa, r.guestPhysAddr()) < 0) {
                hi = mid - 1;
            } else if (r.containsGpa(gpa)) {
                return r;
            } else {
                lo = mid + 1;
            }
        }
        return null;
    }

    /** The region holding front-end virtual address uva, or null. */
    public MemoryRegion regionOfUva(long uva) {
        for (MemoryRegion r : regions) {
            if (r.containsUva(uva)) {
                return r;
            }
        }
        return null;
    }

    /** The len bytes at guest-physical gpa, which must lie in one region. */
    public MemorySegment gpaSegment(long gpa, long len, String what) {
        MemoryRegion r = regionOfGpa(gpa);
        long off = r == null ? -1 : gpa - r.guestPhysAddr();
        if (r == null || len < 0 || off + len > r.size() || off + len < off) {
            throw new GuestMemoryException(String.format("%s at gpa 0x%x length %d is outside guest memory",
                    what, gpa, len));
        }
        return r.segment().asSlice(off, len);
    }

    /** The len bytes at front-end virtual address uva, which must lie in one region. */
    public MemorySegment uvaSegment(long uva, long len, String what) {
        MemoryRegion r = regionOfUva(uva);
        long off = r == null ? -1 : uva - r.userAddr();
        if (r == null || len < 0 || off + len > r.size() || off + len < off) {
            throw new GuestMemoryException(String.format("%s at uva 0x%x length %d is outside guest memory",
                    what, uva, len));
        }
        return r.segment().asSlice(off, len);
    }

    /** The guest-physical address of front-end virtual address uva (a ring's, for the dirty log). */
    public long gpaOfUva(long uva) {
        MemoryRegion r = regionOfUva(uva);
        if (r == null) {
            throw new GuestMemoryException(String.format("uva 0x%x is outside guest memory", uva));
        }
        return r.guestPhysAddr() + (uva - r.userAddr());
    }
}
