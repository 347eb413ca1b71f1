package org.vhostvertx.storage;

import org.vhostvertx.linux.Linux;
import org.vhostvertx.virtq.DescriptorChain;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Moves bytes between a file and a descriptor chain's guest buffers with preadv/pwritev on the
 * guest's pages: no copy in between (except guest buffers O_DIRECT cannot take, see
 * {@link DirectIo}). One per queue handler (it owns an iovec array). Synchronous: the calling
 * worker waits for the disk.
 */
public final class ChainFileIo {

    /** IOV_MAX: more pieces are moved in further calls. */
    static final int MAX_IOV = 1024;

    private final MemorySegment iov = Arena.ofAuto().allocate((long) MAX_IOV * Linux.IOVEC_SIZE, 8);
    private MemorySegment bounce;

    /**
     * Reads len bytes of fd at fileOffset into the chain's writable part at pos. Returns the bytes
     * read, fewer at the end of the file, or -errno.
     */
    public long read(DescriptorChain chain, int fd, long fileOffset, long pos, long len) {
        return transfer(true, chain, fd, 0, fileOffset, pos, len);
    }

    /**
     * Writes len bytes of the chain's readable part at pos to fd at fileOffset. Returns the bytes
     * written (fewer only if the file refused more without an error), or -errno.
     */
    public long write(DescriptorChain chain, int fd, long fileOffset, long pos, long len) {
        return transfer(false, chain, fd, 0, fileOffset, pos, len);
    }

    /**
     * As {@link #read(DescriptorChain, int, long, long, long)} on store, within its O_DIRECT
     * alignment; from the store's mapping when it has the range in RAM.
     */
    public long read(DescriptorChain chain, ImageStore store, long fileOffset, long pos, long len) {
        if (pos + len <= chain.writableLength()) {
            MemorySegment image = store.mappedForRead(fileOffset, len);
            if (image != null) {
                try {
                    chain.write(pos, image, fileOffset, len);
                    return len;
                } catch (InternalError | IllegalStateException e) {
                    // The file was cut short behind our back (a SIGBUS in the copy), or the mapping
                    // went with a resize or close: preadv tells what is there now.
                }
            }
        }
        return read(chain, store.fd(), store.directAlignment(), fileOffset, pos, len);
    }

    /** As {@link #write(DescriptorChain, int, long, long, long)} on store, within its O_DIRECT alignment. */
    public long write(DescriptorChain chain, ImageStore store, long fileOffset, long pos, long len) {
        long rc = write(chain, store.fd(), store.directAlignment(), fileOffset, pos, len);
        if (rc > 0) {
            store.written(fileOffset, rc);
        }
        return rc;
    }

    /** A read on an fd opened O_DIRECT with this alignment (0: not direct); see {@link ImageStore#directAlignment()}. */
    public long read(DescriptorChain chain, int fd, int alignment, long fileOffset, long pos, long len) {
        return transfer(true, chain, fd, alignment, fileOffset, pos, len);
    }

    /** A write on an fd opened O_DIRECT with this alignment (0: not direct). */
    public long write(DescriptorChain chain, int fd, int alignment, long fileOffset, long pos, long len) {
        return transfer(false, chain, fd, alignment, fileOffset, pos, len);
    }

    private long transfer(boolean read, DescriptorChain chain, int fd, int alignment, long fileOffset, long pos,
                          long len) {
        long done = 0;
        boolean bounced = false;
        while (done < len) {
            int k = 0;
            if (!bounced) {
                k = chain.iovecs(read, pos + done, len - done, iov, MAX_IOV);
                bounced = !DirectIo.aligned(iov, k, fileOffset + done, alignment);
            }
            if (bounced) {
                // O_DIRECT refuses these guest buffers: move the rest through our aligned buffer.
                long n = Math.min(len - done, bounce(alignment).byteSize());
                if (!read) {
                    chain.read(pos + done, bounce, 0, n);
                }
                iov.set(ValueLayout.JAVA_LONG, 0, bounce.address());
                iov.set(ValueLayout.JAVA_LONG, 8, n);
                k = 1;
            }
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
            if (bounced && read) {
                chain.write(pos + done, bounce, 0, rc);
            }
            done += rc;
        }
        return done;
    }

    private MemorySegment bounce(int alignment) {
        if (bounce == null) {
            bounce = DirectIo.bounceBuffer(alignment);
        }
        return bounce;
    }
}
