package org.vhostvertx.test.frontend;

import org.vhostvertx.linux.Linux;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The memory of our test "guest": one or more memfd regions placed back to back in guest-physical
 * space, mapped into this process (their addresses here are the front-end virtual addresses the
 * back end sees). A bump allocator hands out guest-physical ranges.
 */
public final class GuestRam implements AutoCloseable {

    /** One region: where it sits for the guest, where it is mapped here, and its memfd. */
    public record Region(long gpa, long size, int fd, MemorySegment mapping) {
        public long uva() {
            return mapping.address();
        }
    }

    private final List<Region> regions = new ArrayList<>();
    private long next;

    /** Memory of the given region sizes (each a multiple of 4 KiB), starting at gpa base. */
    public GuestRam(long base, long... sizes) {
        long gpa = base;
        for (long size : sizes) {
            int fd = Linux.memfdCreate("test-guest-ram", Linux.MFD_CLOEXEC);
            Linux.ftruncate(fd, size);
            MemorySegment m = Linux.mmap(size, Linux.PROT_READ | Linux.PROT_WRITE, Linux.MAP_SHARED, fd, 0)
                    .reinterpret(size);
            regions.add(new Region(gpa, size, fd, m));
            gpa += size;
        }
        next = base;
    }

    public List<Region> regions() {
        return regions;
    }

    public long end() {
        Region last = regions.getLast();
        return last.gpa() + last.size();
    }

    /** Allocates len bytes aligned to align (a power of 2). */
    public long alloc(long len, long align) {
        long gpa = (next + align - 1) & -align;
        if (gpa + len > end()) {
            throw new IllegalStateException("test guest memory exhausted");
        }
        next = gpa + len;
        return gpa;
    }

    /** Moves the allocator to gpa (to place a buffer deliberately, e.g. across a region boundary). */
    public void allocFrom(long gpa) {
        next = gpa;
    }

    /** The bytes at gpa, which must lie inside one region. */
    public MemorySegment at(long gpa, long len) {
        for (Region r : regions) {
            if (gpa >= r.gpa() && gpa + len <= r.gpa() + r.size()) {
                return r.mapping().asSlice(gpa - r.gpa(), len);
            }
        }
        throw new IllegalArgumentException(String.format("gpa 0x%x+%d is not inside one region", gpa, len));
    }

    /** Copies bytes into guest memory at gpa, across regions if need be. */
    public void write(long gpa, byte[] data) {
        for (int i = 0; i < data.length; ) {
            Region r = regionOf(gpa + i);
            long off = gpa + i - r.gpa();
            int n = (int) Math.min(data.length - i, r.size() - off);
            MemorySegment.copy(data, i, r.mapping(), java.lang.foreign.ValueLayout.JAVA_BYTE, off, n);
            i += n;
        }
    }

    /** Reads len bytes from guest memory at gpa, across regions if need be. */
    public byte[] read(long gpa, int len) {
        byte[] out = new byte[len];
        for (int i = 0; i < len; ) {
            Region r = regionOf(gpa + i);
            long off = gpa + i - r.gpa();
            int n = (int) Math.min(len - i, r.size() - off);
            MemorySegment.copy(r.mapping(), java.lang.foreign.ValueLayout.JAVA_BYTE, off, out, i, n);
            i += n;
        }
        return out;
    }

    private Region regionOf(long gpa) {
        for (Region r : regions) {
            if (gpa >= r.gpa() && gpa < r.gpa() + r.size()) {
                return r;
            }
        }
        throw new IllegalArgumentException(String.format("gpa 0x%x is outside test memory", gpa));
    }

    /** The front-end virtual address of gpa. */
    public long uva(long gpa) {
        Region r = regionOf(gpa);
        return r.uva() + (gpa - r.gpa());
    }

    @Override
    public void close() {
        for (Region r : regions) {
            Linux.munmap(r.mapping().address(), r.size());
            Linux.close(r.fd());
        }
        regions.clear();
    }
}
