package org.vhostvertx.blk;

import org.vhostvertx.device.QueueHandler;
import org.vhostvertx.linux.Linux;
import org.vhostvertx.storage.ChainFileIo;
import org.vhostvertx.virtq.DescriptorChain;
import org.vhostvertx.virtq.Virtqueue;
import org.vhostvertx.worker.QueueCounters;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * Serves one blk request queue (virtio 1.2 §5.2.6): a 16-byte header, data, and a status byte.
 * Data moves between the store and guest memory by preadv/pwritev on the guest's pages, with no
 * copy in between. A request the driver got wrong is answered with its status, never by breaking
 * the queue; only a broken ring does that.
 */
final class BlkQueueHandler implements QueueHandler {

    static final int T_IN = 0;
    static final int T_OUT = 1;
    static final int T_FLUSH = 4;
    static final int T_GET_ID = 8;
    static final int T_DISCARD = 11;
    static final int T_WRITE_ZEROES = 13;
    static final byte S_OK = 0;
    static final byte S_IOERR = 1;
    static final byte S_UNSUPP = 2;

    private static final int HEADER = 16;
    private static final int SEGMENT = 16;
    private static final int ID_BYTES = 20;
    /** Requests served per round before the worker looks at its other queues. */
    private static final int BUDGET = 64;

    private final BlkDevice device;
    private final int fd;
    private final DescriptorChain chain = new DescriptorChain(64);
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment scratch = arena.allocate(64, 8);
    private final ChainFileIo io = new ChainFileIo();
    private long moved;

    BlkQueueHandler(BlkDevice device, long features) {
        this.device = device;
        this.fd = device.store().fd();
    }

    @Override
    public boolean process(Virtqueue queue, QueueCounters counters) {
        int served = 0;
        while (served < BUDGET && queue.pop(chain)) {
            moved = 0;
            int written = serve(counters);
            queue.push(chain, written);
            counters.request(moved);
            served++;
        }
        return served > 0;
    }

    /** Serves the popped request; returns the bytes written into its device-writable part. */
    private int serve(QueueCounters counters) {
        long writable = chain.writableLength();
        if (writable < 1 || chain.readableLength() < HEADER) {
            // No room for a status byte, or no header: nothing we can answer. Give it back untouched.
            counters.error();
            return 0;
        }
        chain.read(0, scratch, 0, HEADER);
        int type = scratch.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
        long sector = scratch.get(ValueLayout.JAVA_LONG_UNALIGNED, 8);
        long statusAt = writable - 1;
        byte status;
        int dataWritten = 0;
        switch (type) {
            case T_IN -> {
                long len = writable - 1;
                status = rangeOk(sector, len) ? transfer(true, sector * 512, len) : S_IOERR;
                if (status == S_OK) {
                    dataWritten = (int) len;
                }
            }
            case T_OUT -> {
                long len = chain.readableLength() - HEADER;
                if (device.readOnly() || !rangeOk(sector, len)) {
                    status = S_IOERR;
                } else {
                    status = transfer(false, sector * 512, len);
                    if (status == S_OK && !device.writeback()) {
                        status = Linux.tryFdatasync(fd) == 0 ? S_OK : S_IOERR;
                    }
                }
            }
            case T_FLUSH -> status = Linux.tryFdatasync(fd) == 0 ? S_OK : S_IOERR;
            case T_GET_ID -> {
                byte[] id = device.serial().getBytes(StandardCharsets.US_ASCII);
                int n = (int) Math.min(Math.min(ID_BYTES, writable - 1), id.length);
                MemorySegment.copy(id, 0, scratch, ValueLayout.JAVA_BYTE, 0, n);
                chain.write(0, scratch, 0, n);
                int pad = (int) Math.min(ID_BYTES, writable - 1) - n;
                if (pad > 0) {
                    chain.zero(n, pad);
                }
                dataWritten = n + Math.max(pad, 0);
                status = S_OK;
            }
            case T_DISCARD, T_WRITE_ZEROES -> status = discardOrZero(type == T_DISCARD);
            default -> status = S_UNSUPP;
        }
        if (status != S_OK) {
            counters.error();
        }
        chain.writeByte(statusAt, status);
        return dataWritten + 1;
    }

    private boolean rangeOk(long sector, long len) {
        // Read per request: the operator may grow the disk while the queue runs ("resize").
        long capacity = device.store().size();
        return len % 512 == 0 && sector >= 0 && sector <= capacity / 512 && len <= capacity - sector * 512;
    }

    /** Moves len bytes between the store at offset and the chain's data part. */
    private byte transfer(boolean read, long offset, long len) {
        long rc = read ? io.read(chain, fd, offset, 0, len) : io.write(chain, fd, offset, HEADER, len);
        if (rc != len) {
            return S_IOERR;
        }
        moved = len;
        return S_OK;
    }

    private byte discardOrZero(boolean discard) {
        long segments = (chain.readableLength() - HEADER) / SEGMENT;
        if (segments != 1 || (chain.readableLength() - HEADER) % SEGMENT != 0) {
            return S_UNSUPP;
        }
        chain.read(HEADER, scratch, 0, SEGMENT);
        long sector = scratch.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        long sectors = Integer.toUnsignedLong(scratch.get(ValueLayout.JAVA_INT_UNALIGNED, 8));
        int flags = scratch.get(ValueLayout.JAVA_INT_UNALIGNED, 12);
        boolean unmap = (flags & 1) != 0;
        if ((flags & ~1) != 0 || (discard && unmap)) {
            return S_UNSUPP;
        }
        if (device.readOnly() || sectors > BlkConfigSpace.MAX_DISCARD_SECTORS || !rangeOk(sector, sectors * 512)) {
            return S_IOERR;
        }
        long offset = sector * 512;
        long len = sectors * 512;
        int mode = Linux.FALLOC_FL_PUNCH_HOLE | Linux.FALLOC_FL_KEEP_SIZE;
        if (!discard && !unmap) {
            int rc = Linux.tryFallocate(fd, Linux.FALLOC_FL_ZERO_RANGE | Linux.FALLOC_FL_KEEP_SIZE, offset, len);
            if (rc == 0) {
                return S_OK;
            }
            // tmpfs and memfd have no ZERO_RANGE; a punched hole reads as zeros too.
        }
        int rc = Linux.tryFallocate(fd, mode, offset, len);
        if (rc == 0) {
            return S_OK;
        }
        // Discard is a hint: a store that cannot punch holes just keeps the data.
        return discard ? S_OK : S_IOERR;
    }
}
