package org.vhostvertx.storage;

import org.vhostvertx.linux.Linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * An image in RAM (a file on tmpfs, a memfd) mapped into our address space for reading, so a read
 * is one copy from the mapping into guest memory: no system call, and no page cache lookup for
 * every 4 KiB page, which is where preadv on tmpfs spends a third of a 128 KiB read (perf during
 * bin/bench blk). Writes keep pwritev: a write through a mapping into a full tmpfs is a SIGBUS,
 * pwritev an ENOSPC the guest is told of.
 *
 * <p>Only ranges known to hold data are read here. Read through a mapping, a hole is filled with a
 * new page (RAM the image did not use, and a SIGBUS on a full tmpfs), where preadv reads zeros for
 * nothing. The image is cut into 2 MiB chunks. A chunk is looked at (SEEK_HOLE) at its first read,
 * and again at the next read after a write into it, until it holds no hole; a hole punched into it
 * makes it unknown again. Queues on several workers share one mapping, so the bits are atomic; a
 * read racing a hole punched in the same range costs at most the pages it touches.
 */
final class ImageMapping implements AutoCloseable {

    /** 2 MiB chunks: a 1 TiB image needs 64 KiB of bits for each of the two sets. */
    static final int CHUNK_SHIFT = 21;

    private final int fd;
    private final long length;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment map;
    /** Chunks that hold no hole. */
    private final AtomicLongArray data;
    /** Chunks not known to hold data that may have been written since they were last looked at. */
    private final AtomicLongArray stale;

    /** Maps length bytes of fd (a file in RAM) for reading. */
    ImageMapping(int fd, long length) {
        this.fd = fd;
        this.length = length;
        MemorySegment at = Linux.mmap(length, Linux.PROT_READ, Linux.MAP_SHARED, fd, 0);
        this.map = at.reinterpret(length, arena, s -> Linux.munmap(s.address(), length));
        int words = (int) ((chunk(length - 1) >>> 6) + 1);
        this.data = new AtomicLongArray(words);
        this.stale = new AtomicLongArray(words);
        for (int i = 0; i < words; i++) {
            stale.set(i, -1L);
        }
    }

    /**
     * The mapping, when every chunk of [offset, offset + len) holds data, else null (read that
     * range with preadv). The caller keeps within the mapped length.
     */
    MemorySegment readable(long offset, long len) {
        if (len <= 0 || offset + len > length) {
            return null;
        }
        for (long c = chunk(offset), last = chunk(offset + len - 1); c <= last; c++) {
            if (!has(data, c) && !lookAt(c)) {
                return null;
            }
        }
        return map;
    }

    /** [offset, offset + len) was written: chunks with holes there may have lost them. */
    void written(long offset, long len) {
        if (len <= 0) {
            return;
        }
        for (long c = chunk(offset), last = chunk(Math.min(offset + len, length) - 1); c <= last; c++) {
            if (!has(data, c)) {
                set(stale, c);
            }
        }
    }

    /** [offset, offset + len) may be a hole now (punched, deallocated). */
    void deallocated(long offset, long len) {
        if (len <= 0) {
            return;
        }
        for (long c = chunk(offset), last = chunk(Math.min(offset + len, length) - 1); c <= last; c++) {
            clear(data, c);
            set(stale, c);
        }
    }

    /** Whether chunk c holds no hole now, if it may have changed since it was last looked at. */
    private boolean lookAt(long c) {
        if (!has(stale, c)) {
            return false;
        }
        clear(stale, c);
        long start = c << CHUNK_SHIFT;
        long end = Math.min(start + (1L << CHUNK_SHIFT), length);
        long hole = Linux.tryNextHole(fd, start);
        if (hole >= end) {
            set(data, c);
            return true;
        }
        return false;
    }

    private static long chunk(long offset) {
        return offset >>> CHUNK_SHIFT;
    }

    private static boolean has(AtomicLongArray bits, long c) {
        return (bits.get((int) (c >>> 6)) & (1L << c)) != 0;
    }

    private static void set(AtomicLongArray bits, long c) {
        bits.getAndUpdate((int) (c >>> 6), w -> w | (1L << c));
    }

    private static void clear(AtomicLongArray bits, long c) {
        bits.getAndUpdate((int) (c >>> 6), w -> w & ~(1L << c));
    }

    /** Unmaps; a read still copying from it on another thread fails with IllegalStateException. */
    @Override
    public void close() {
        arena.close();
    }
}
