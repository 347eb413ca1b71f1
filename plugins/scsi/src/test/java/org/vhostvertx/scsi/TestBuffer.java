package org.vhostvertx.scsi;

import org.vhostvertx.linux.Linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A data-out or data-in buffer for tests: native memory, as guest memory is, so fromFile/toFile
 * are real preadv/pwritev through a one-entry iovec. Any access outside the buffer throws, which
 * is how the tests catch an overrun. It can also fail every file transfer with an errno, or move
 * at most a few bytes per call to exercise the short-transfer loops.
 */
final class TestBuffer implements DataBuffer {

    private final long length;
    private final MemorySegment data;
    private final MemorySegment iov;
    private int failErrno;
    private long failFrom = Long.MAX_VALUE;
    private long maxPerCall = Long.MAX_VALUE;
    private int fileCalls;

    TestBuffer(long length) {
        Arena arena = Arena.ofAuto();
        this.length = length;
        this.data = arena.allocate(Math.max(length, 1), 8);
        this.iov = arena.allocate(Linux.IOVEC_SIZE, 8);
    }

    static TestBuffer of(byte[] content) {
        TestBuffer b = new TestBuffer(content.length);
        b.put(0, content, 0, content.length);
        return b;
    }

    /** Every fromFile/toFile returns -errno. */
    TestBuffer failWith(int errno) {
        return failFrom(0, errno);
    }

    /** Transfers stop at buffer offset from: up to it they succeed, from it they return -errno. */
    TestBuffer failFrom(long from, int errno) {
        this.failFrom = from;
        this.failErrno = errno;
        return this;
    }

    /** fromFile/toFile move at most n bytes per call, as a short preadv/pwritev would. */
    TestBuffer shortTransfers(long n) {
        this.maxPerCall = n;
        return this;
    }

    int fileCalls() {
        return fileCalls;
    }

    byte[] bytes() {
        return bytes(0, (int) length);
    }

    byte[] bytes(int from, int to) {
        check(from, to - from);
        byte[] b = new byte[to - from];
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, from, b, 0, b.length);
        return b;
    }

    void fill(int value) {
        data.asSlice(0, length).fill((byte) value);
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public void put(long offset, byte[] src, int srcOffset, int len) {
        check(offset, len);
        MemorySegment.copy(src, srcOffset, data, ValueLayout.JAVA_BYTE, offset, len);
    }

    @Override
    public void get(long offset, byte[] dst, int dstOffset, int len) {
        check(offset, len);
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, offset, dst, dstOffset, len);
    }

    @Override
    public long fromFile(int fd, long fileOffset, long offset, long len) {
        check(offset, len);
        fileCalls++;
        if (offset >= failFrom) {
            return -failErrno;
        }
        setIovec(offset, Math.min(len, failFrom - offset));
        return Linux.tryPreadv(fd, iov, 1, fileOffset);
    }

    @Override
    public long toFile(int fd, long fileOffset, long offset, long len) {
        check(offset, len);
        fileCalls++;
        if (offset >= failFrom) {
            return -failErrno;
        }
        setIovec(offset, Math.min(len, failFrom - offset));
        return Linux.tryPwritev(fd, iov, 1, fileOffset);
    }

    private void setIovec(long offset, long len) {
        iov.set(ValueLayout.JAVA_LONG, 0, data.address() + offset);
        iov.set(ValueLayout.JAVA_LONG, 8, Math.min(len, maxPerCall));
    }

    private void check(long offset, long len) {
        if (offset < 0 || len < 0 || offset + len > length) {
            throw new IndexOutOfBoundsException("[" + offset + ", +" + len + ") outside a buffer of " + length);
        }
    }
}
