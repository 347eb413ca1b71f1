package org.vhostvertx.scsi;

import org.vhostvertx.storage.ChainFileIo;
import org.vhostvertx.virtq.DescriptorChain;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One part of a request's chain as a {@link DataBuffer}: the data-out bytes after the request
 * header, or the data-in room after the response header. Reused per queue.
 */
final class ChainData implements DataBuffer {


    private final boolean writable;
    private final MemorySegment scratch;
    private final ChainFileIo io;
    private DescriptorChain chain;
    private long start;
    private long length;
    /** The O_DIRECT alignment of the command's LUN (0: not direct). */
    private int alignment;

    ChainData(boolean writable, MemorySegment scratch, ChainFileIo io) {
        this.writable = writable;
        this.scratch = scratch;
        this.io = io;
    }

    ChainData over(DescriptorChain chain, long start, long length, LogicalUnit lu) {
        this.alignment = lu == null ? 0 : lu.store().directAlignment();
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
        long at = start + offset;
        if (!read) {
            return io.write(chain, fd, alignment, fileOffset, at, len);
        }
        long n = io.read(chain, fd, alignment, fileOffset, at, len);
        if (n >= 0 && n < len) {
            // Reading past the end of the file: what remains reads as zeros.
            chain.zero(at + n, len - n);
            return len;
        }
        return n;
    }
}
