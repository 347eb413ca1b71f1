package org.vhostvertx.scsi;

import org.vhostvertx.linux.Linux;
import org.vhostvertx.storage.ImageStore;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Fills a range of the image with zeros or with one block repeated: what WRITE SAME and UNMAP
 * do. Zeros go through fallocate when the file system can (no data written at all); a pattern is
 * written with pwritev from an iovec array whose entries all point at the same block, so one
 * system call covers up to IOV_MAX blocks without building a large buffer.
 *
 * <p>Not on the READ/WRITE hot path: each call may allocate a small native scratch area.
 */
final class RangeFill {

    /** Linux's UIO_MAXIOV. */
    private static final int IOV_MAX = 1024;
    private static final int EIO = 5;

    private RangeFill() {
    }

    /**
     * Makes [offset, offset + len) read as zeros; 0 or -errno. With deallocate the blocks are
     * punched out (thin provisioning gets the space back); without, they are zeroed in place so
     * they stay allocated, as a WRITE SAME with UNMAP=0 asks. Each step falls back to the next
     * when the file system does not support it (tmpfs and memfd have no ZERO_RANGE).
     */
    static int zero(ImageStore store, long offset, long len, boolean deallocate) {
        if (deallocate && fallocate(store, Linux.FALLOC_FL_PUNCH_HOLE | Linux.FALLOC_FL_KEEP_SIZE, offset, len) == 0) {
            return 0;
        }
        if (fallocate(store, Linux.FALLOC_FL_ZERO_RANGE | Linux.FALLOC_FL_KEEP_SIZE, offset, len) == 0) {
            return 0;
        }
        return repeat(store, offset, len, null);
    }

    /**
     * Writes block (one logical block; null for zeros) over and over into [offset, offset + len);
     * offset is block aligned. 0 or -errno.
     */
    static int repeat(ImageStore store, long offset, long len, byte[] block) {
        int fd = store.fd();
        int bs = LogicalUnit.BLOCK_SIZE;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pattern = arena.allocate(bs, 4096);  // zero-filled; aligned for O_DIRECT
            if (block != null) {
                MemorySegment.copy(block, 0, pattern, ValueLayout.JAVA_BYTE, 0, bs);
            }
            MemorySegment iov = arena.allocate((long) Linux.IOVEC_SIZE * IOV_MAX, 8);
            long done = 0;
            while (done < len) {
                // After a short write the next piece starts inside a block: the pattern repeats
                // every block from an aligned offset, so skip into it by the same amount.
                long at = done;
                int k = 0;
                while (k < IOV_MAX && at < len) {
                    int skip = (int) (at % bs);
                    long piece = Math.min(bs - skip, len - at);
                    iov.set(ValueLayout.JAVA_LONG, 16L * k, pattern.address() + skip);
                    iov.set(ValueLayout.JAVA_LONG, 16L * k + 8, piece);
                    k++;
                    at += piece;
                }
                long n = Linux.tryPwritev(fd, iov, k, offset + done);
                if (n == -Linux.EINTR) {
                    continue;
                }
                if (n <= 0) {
                    return n == 0 ? -EIO : (int) n;
                }
                done += n;
                store.written(offset + done - n, n);
            }
        }
        return 0;
    }

    private static int fallocate(ImageStore store, int mode, long offset, long len) {
        int rc;
        do {
            rc = store.tryFallocate(mode, offset, len);
        } while (rc == -Linux.EINTR);
        return rc;
    }
}
