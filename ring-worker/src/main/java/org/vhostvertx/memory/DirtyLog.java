package org.vhostvertx.memory;

import org.vhostvertx.linux.Linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;

/**
 * The front end's dirty-page log (VHOST_USER_SET_LOG_BASE, for live migration): one bit per 4 KiB
 * page of guest-physical memory, bit n of byte n / 8 for page n. While it is set, every write we
 * make into guest memory marks its pages, so the front end copies them again.
 *
 * <p>Several workers (and QEMU's migration thread) touch the same bytes at once: a bit is set with an
 * atomic OR on the aligned 64-bit word that holds it (the same bit in little-endian order), after a
 * plain read shows it is not set yet, so a page written again and again costs one load.
 */
public final class DirtyLog implements AutoCloseable {

    public static final int PAGE_SHIFT = 12;
    private static final VarHandle WORD = ValueLayout.JAVA_LONG.varHandle();

    private final Arena arena;
    private final MemorySegment bitmap;
    private final long pages;
    private final LongAdder beyond = new LongAdder();

    private DirtyLog(Arena arena, MemorySegment bitmap) {
        this.arena = arena;
        this.bitmap = bitmap;
        this.pages = bitmap.byteSize() * 8;
    }

    /** Maps size bytes of fd at offset as the log (the caller keeps fd). */
    public static DirtyLog map(int fd, long size, long offset) {
        if (size <= 0 || size % 8 != 0 || offset < 0 || offset % 8 != 0 || offset + size < 0) {
            throw new GuestMemoryException("dirty log of " + size + " bytes at offset " + offset
                    + ": size and offset must be positive multiples of 8");
        }
        long mapLen = offset + size;
        MemorySegment p = Linux.mmap(mapLen, Linux.PROT_READ | Linux.PROT_WRITE, Linux.MAP_SHARED, fd, 0);
        Arena arena = Arena.ofShared();
        long address = p.address();
        MemorySegment whole = p.reinterpret(mapLen, arena, s -> Linux.munmap(address, mapLen));
        return new DirtyLog(arena, whole.asSlice(offset, size));
    }

    /** A log over memory of ours (tests). */
    public static DirtyLog over(MemorySegment bitmap) {
        return new DirtyLog(null, bitmap);
    }

    /** Marks the pages of len bytes written at guest-physical address gpa. */
    public void mark(long gpa, long len) {
        if (len <= 0) {
            return;
        }
        long last = (gpa + len - 1) >>> PAGE_SHIFT;
        for (long page = gpa >>> PAGE_SHIFT; page <= last; page++) {
            if (page >= pages) {
                // The front end sized the log for less memory than it gave us: it cannot migrate this page.
                beyond.increment();
                return;
            }
            long at = (page >>> 6) << 3;
            long bit = 1L << (page & 63);
            if (((long) WORD.get(bitmap, at) & bit) == 0) {
                WORD.getAndBitwiseOr(bitmap, at, bit);
            }
        }
    }

    /** Whether page is marked (tests). */
    public boolean marked(long page) {
        return page < pages && ((long) WORD.getVolatile(bitmap, (page >>> 6) << 3) & (1L << (page & 63))) != 0;
    }

    /** Writes that fell beyond the log's end (the front end's log was too small). */
    public long beyondTheLog() {
        return beyond.sum();
    }

    public long pages() {
        return pages;
    }

    /** Unmaps the log; call only when no queue uses it any more. */
    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
    }
}
