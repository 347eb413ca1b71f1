package org.vhostvertx.storage;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * What O_DIRECT asks of a transfer: the file offset, and every iovec's address and length, aligned
 * to the image's direct-I/O alignment. A guest buffer that is not goes through a bounce buffer of
 * ours, BOUNCE_BYTES at a time (QEMU does the same); the guest never sees the difference.
 */
final class DirectIo {

    /** How much of an unaligned transfer one bounce moves. */
    static final int BOUNCE_BYTES = 128 * 1024;

    private DirectIo() {
    }

    /** True when the k iovecs in iov and fileOffset all meet alignment (0: not direct, anything goes). */
    static boolean aligned(MemorySegment iov, int k, long fileOffset, int alignment) {
        if (alignment == 0) {
            return true;
        }
        long mask = alignment - 1;
        if ((fileOffset & mask) != 0) {
            return false;
        }
        for (int i = 0; i < k; i++) {
            if (((iov.get(ValueLayout.JAVA_LONG, 16L * i) | iov.get(ValueLayout.JAVA_LONG, 16L * i + 8)) & mask) != 0) {
                return false;
            }
        }
        return true;
    }

    /** A bounce buffer aligned for any direct-I/O alignment up to a page (or alignment, if larger). */
    static MemorySegment bounceBuffer(int alignment) {
        int align = Math.max(alignment, 4096);
        return Arena.ofAuto().allocate(Math.max(BOUNCE_BYTES, align), align);
    }
}
