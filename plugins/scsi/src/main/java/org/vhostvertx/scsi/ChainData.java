package org.vhostvertx.scsi;

import org.vhostvertx.linux.Linux;
import org.vhostvertx.virtq.DescriptorChain;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One part of a request's chain as a {@link DataBuffer}: the data-out bytes after the request
 * header, or the data-in room after the response header. Reused per queue.
 */
final class ChainData implements DataBuffer {

    private static final int MAX_IOV = 1024;

    private final boolean writable;
    private final MemorySegment scratch;
    private final MemorySegment iov;
    private DescriptorChain chain;
    private long start;
    private long length;

    ChainData(boolean writable, MemorySegment scratch, MemorySegment iov) {
        this.writable = writable;
        this.scratch = scratch;
        this.iov = iov;
    }

    ChainData over(DescriptorChain chain, long start, long length) {
        this.chain = chain;
        this.start = start;
        this.length = Math.max(0, length);
        return this;
    }

    @Override
    public long length() {
        return length;
    }

    private void check(long offset, long len) {
        if (offset < 0 || len < 0 || offset + len > length) {
            throw new IndexOutOfBoundsException(offset + "+" + len + " outside a buffer of " + length);
        }
    }

    @Override
    public void put(long offset, byte[] src, int srcOffset, int len) {
        check(offset, len);
        if (!writable) {
            throw new IllegalStateException("data-out is read-only for the device");
        }
        for (int done = 0; done < len; ) {
            int n = (int) Math.min(len - done, scratch.byteSize());
            MemorySegment.copy(src, srcOffset + done, scratch, ValueLayout.JAVA_BYTE, 0, n);
            chain.write(start + offset + done, scratch, 0, n);
            done += n;
        }
    }

    @Override
    public void get(long offset, byte[] dst, int dstOffset, int len) {
        check(offset, len);
        for (int done = 0; done < len; ) {
            int n = (int) Math.min(len - done, scratch.byteSize());
            if (writable) {
                throw new IllegalStateException("data-in is write-only for the device");
            }
            chain.read(start + offset + done, scratch, 0, n);
            MemorySegment.copy(scratch, ValueLayout.JAVA_BYTE, 0, dst, dstOffset + done, n);
            done += n;
        }
    }

    @Override
    public long fromFile(int fd, long fileOffset, long offset, long len) {
        check(offset, len);
        return transfer(true, fd, fileOffset, offset, len);
    }

    @Override
    public long toFile(int fd, long fileOffset, long offset, long len) {
        check(offset, len);
        return transfer(false, fd, fileOffset, offset, len);
    }

    private long transfer(boolean read, int fd, long fileOffset, long offset, long len) {
        long done = 0;
        while (done < len) {
            int k = chain.iovecs(writable, start + offset + done, len - done, iov, MAX_IOV);
            long rc = read ? Linux.tryPreadv(fd, iov, k, fileOffset + done)
                    : Linux.tryPwritev(fd, iov, k, fileOffset + done);
            if (rc == -Linux.EINTR) {
                continue;
            }
            if (rc < 0) {
                return rc;
            }
            if (rc == 0) {
                // Reading past the end of the file: what remains reads as zeros.
                if (read) {
                    chain.zero(start + offset + done, len - done);
                    return len;
                }
                return done;
            }
            done += rc;
        }
        return done;
    }

    static MemorySegment newIov(java.lang.foreign.Arena arena) {
        return arena.allocate((long) MAX_IOV * Linux.IOVEC_SIZE, 8);
    }
}
