package org.vhostvertx.memory;

import org.vhostvertx.linux.Linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One region of guest memory, mapped from the descriptor the front end sent.
 *
 * <p>The mapping belongs to a shared arena: {@link #close()} unmaps it, and an access that races
 * with the close fails with an exception instead of touching unmapped memory. Regions are immutable
 * and shared between successive {@link GuestMemory} snapshots.
 */
public final class MemoryRegion implements AutoCloseable {

    private final long guestPhysAddr;
    private final long size;
    private final long userAddr;
    private final long mmapOffset;
    private final Arena arena;
    private final MemorySegment data;

    private MemoryRegion(long guestPhysAddr, long size, long userAddr, long mmapOffset, Arena arena,
                         MemorySegment data) {
        this.guestPhysAddr = guestPhysAddr;
        this.size = size;
        this.userAddr = userAddr;
        this.mmapOffset = mmapOffset;
        this.arena = arena;
        this.data = data;
    }

    /**
     * Maps size bytes of fd starting at mmapOffset. The caller keeps ownership of fd (the mapping
     * survives closing it).
     */
    public static MemoryRegion map(long guestPhysAddr, long size, long userAddr, long mmapOffset, int fd) {
        if (size <= 0) {
            throw new GuestMemoryException("memory region of size " + size);
        }
        if (mmapOffset < 0 || guestPhysAddr + size < guestPhysAddr || userAddr + size < userAddr
                || mmapOffset + size < 0) {
            throw new GuestMemoryException(String.format(
                    "memory region overflows: gpa 0x%x size 0x%x uva 0x%x offset 0x%x",
                    guestPhysAddr, size, userAddr, mmapOffset));
        }
        long mapLen = mmapOffset + size;
        MemorySegment p = Linux.mmap(mapLen, Linux.PROT_READ | Linux.PROT_WRITE, Linux.MAP_SHARED, fd, 0);
        Arena arena = Arena.ofShared();
        long address = p.address();
        MemorySegment whole = p.reinterpret(mapLen, arena, s -> Linux.munmap(address, mapLen));
        // A slice of the arena's segment, never a global-scope view of the address: every access
        // checks that the arena is alive, so one that races with REM_MEM_REG or a new memory
        // table throws IllegalStateException (the queue fails) instead of a SIGSEGV that would take
        // the JVM and every device with it. Closing a shared arena waits until no thread is inside
        // an access, so the unmap never pulls memory from under a copy in progress.
        return new MemoryRegion(guestPhysAddr, size, userAddr, mmapOffset, arena, whole.asSlice(mmapOffset, size));
    }

    public long guestPhysAddr() {
        return guestPhysAddr;
    }

    public long size() {
        return size;
    }

    public long userAddr() {
        return userAddr;
    }

    public long mmapOffset() {
        return mmapOffset;
    }

    /** The region's bytes; offset 0 is guest-physical address {@link #guestPhysAddr()}. */
    public MemorySegment segment() {
        return data;
    }

    boolean containsGpa(long gpa) {
        return gpa >= guestPhysAddr && gpa - guestPhysAddr < size;
    }

    boolean containsUva(long uva) {
        return uva >= userAddr && uva - userAddr < size;
    }

    boolean sameAs(long gpa, long sz, long uva) {
        return gpa == guestPhysAddr && sz == size && uva == userAddr;
    }

    /** Unmaps the region. Call only when no ring uses it any more. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return String.format("region[gpa 0x%x size 0x%x uva 0x%x]", guestPhysAddr, size, userAddr);
    }
}
