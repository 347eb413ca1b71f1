package org.vhostvertx.storage;

import org.vhostvertx.linux.Linux;
import org.vhostvertx.virtq.DescriptorChain;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Moves bytes between a file and a descriptor chain's guest buffers with preadv/pwritev on the
 * guest's pages: no copy in between. One per queue handler (it owns an iovec array).
 */
public final class ChainFileIo {

    /** IOV_MAX: more pieces are moved in further calls. */
    private static final int MAX_IOV = 1024;

    private final MemorySegment iov = Arena.ofAuto().allocate((long) MAX_IOV * Linux.IOVEC_SIZE, 8);

    /**
     * Reads len bytes of fd at fileOffset into the chain's writable part at pos. Returns the bytes
     * read, fewer at the end of the file, or -errno.
     */
    public long read(DescriptorChain chain, int fd, long fileOffset, long pos, long len) {
        return transfer(true, chain, fd, fileOffset, pos, len);
    }

    /**
     * Writes len bytes of the chain's readable part at pos to fd at fileOffset. Returns the bytes
     * written (fewer only if the file refused more without an error), or -errno.
     */
    public long write(DescriptorChain chain, int fd, long fileOffset, long pos, long len) {
        return transfer(false, chain, fd, fileOffset, pos, len);
    }

    private long transfer(boolean read, DescriptorChain chain, int fd, long fileOffset, long pos, long len) {
        long done = 0;
        while (done < len) {
            int k = chain.iovecs(read, pos + done, len - done, iov, MAX_IOV);
            long rc = read ? Linux.tryPreadv(fd, iov, k, fileOffset + done)
                    : Linux.tryPwritev(fd, iov, k, fileOffset + done);
            if (rc == -Linux.EINTR) {
                continue;
            }
            if (rc < 0) {
                return rc;
            }
            if (rc == 0) {
                return done;
            }
            done += rc;
        }
        return done;
    }
}
