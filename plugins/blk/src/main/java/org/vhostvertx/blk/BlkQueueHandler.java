package org.vhostvertx.blk;

import org.vhostvertx.linux.Linux;
import org.vhostvertx.storage.DiskQueueHandler;
import org.vhostvertx.storage.ImageStore;
import org.vhostvertx.storage.IoRequest;
import org.vhostvertx.virtq.DescriptorChain;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * Serves one blk request queue (virtio 1.2 §5.2.6): a 16-byte header, data, and a status byte.
 * Data moves between the store and guest memory with no copy in between, through the queue's
 * {@link org.vhostvertx.storage.ChainIo}: with io_uring, reads, writes and flushes are submitted and many are in flight
 * at once (up to {@link #DEPTH}); each finishes on this worker when its completion arrives, in any
 * order, and only then gets its status and goes back to the driver. Without io_uring they run to
 * their end here. GET_ID, DISCARD and WRITE_ZEROES are answered at once: the first moves no disk
 * data, the others are fallocate calls, metadata work a file system does without waiting for
 * data transfers. A request the driver got wrong is answered with its status, never by breaking
 * the queue; only a broken ring does that.
 */
final class BlkQueueHandler extends DiskQueueHandler {

    static final int T_IN = 0;
    static final int T_OUT = 1;
    static final int T_FLUSH = 4;
    static final int T_GET_ID = 8;
    static final int T_DISCARD = 11;
    static final int T_WRITE_ZEROES = 13;
    static final byte S_OK = 0;
    static final byte S_IOERR = 1;
    static final byte S_UNSUPP = 2;

    /** Requests in flight per queue with io_uring (its SQ depth); the queue's size may bound it lower. */
    static final int DEPTH = 128;
    private static final int HEADER = 16;
    private static final int SEGMENT = 16;
    private static final int ID_BYTES = 20;

    private final BlkDevice device;
    private final ImageStore store;
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment scratch = arena.allocate(64, 8);
    /** Per request slot: the type and data length of the request it serves. */
    private final int[] types = new int[DEPTH];
    private final long[] lengths = new long[DEPTH];

    BlkQueueHandler(BlkDevice device, int index) {
        super(device.context(), index, DEPTH, device::engine);
        this.device = device;
        this.store = device.store();
    }

    /** Starts the popped request, or answers it at once. */
    @Override
    protected void start(IoRequest r) {
        DescriptorChain chain = r.chain();
        long writable = chain.writableLength();
        if (writable < 1 || chain.readableLength() < HEADER) {
            // No room for a status byte, or no header: nothing we can answer. Give it back untouched.
            counters.error();
            queue.push(chain, 0);
            counters.request(0);
            io.giveBack(r);
            return;
        }
        chain.read(0, scratch, 0, HEADER);
        int type = scratch.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
        long sector = scratch.get(ValueLayout.JAVA_LONG_UNALIGNED, 8);
        switch (type) {
            case T_IN -> {
                long len = writable - 1;
                if (rangeOk(sector, len)) {
                    begin(r, type, len);
                    io.read(r, store, sector * 512, 0, len);
                } else {
                    answer(r, S_IOERR, 0);
                }
            }
            case T_OUT -> {
                long len = chain.readableLength() - HEADER;
                if (!device.readOnly() && rangeOk(sector, len)) {
                    begin(r, type, len);
                    io.write(r, store, sector * 512, HEADER, len, !device.writeback());
                } else {
                    answer(r, S_IOERR, 0);
                }
            }
            case T_FLUSH -> {
                begin(r, type, 0);
                io.datasync(r, store);
            }
            case T_GET_ID -> answer(r, S_OK, writeId(chain, writable));
            case T_DISCARD, T_WRITE_ZEROES -> answer(r, discardOrZero(chain, type == T_DISCARD), 0);
            default -> answer(r, S_UNSUPP, 0);
        }
    }

    private void begin(IoRequest r, int type, long len) {
        types[r.index()] = type;
        lengths[r.index()] = len;
    }

    /** A read, write or flush finished (result: bytes moved, or -errno; 0 for a flush). */
    @Override
    protected void finished(IoRequest r, long result) {
        long len = lengths[r.index()];
        boolean ok = types[r.index()] == T_FLUSH ? result == 0 : result == len;
        long moved = ok ? len : 0;
        int dataWritten = ok && types[r.index()] == T_IN ? (int) len : 0;
        reply(r.chain(), ok ? S_OK : S_IOERR, dataWritten, moved);
    }

    /** Answers a request that did no I/O through the engine, and frees its slot. */
    private void answer(IoRequest r, byte status, int dataWritten) {
        reply(r.chain(), status, dataWritten, 0);
        io.giveBack(r);
    }

    private void reply(DescriptorChain chain, byte status, int dataWritten, long moved) {
        if (status != S_OK) {
            counters.error();
        }
        chain.writeByte(chain.writableLength() - 1, status);
        queue.push(chain, dataWritten + 1);
        counters.request(moved);
    }

    /** Writes the serial (zero-padded to 20 bytes, or what fits); returns the bytes written. */
    private int writeId(DescriptorChain chain, long writable) {
        byte[] id = device.serial().getBytes(StandardCharsets.US_ASCII);
        int n = (int) Math.min(Math.min(ID_BYTES, writable - 1), id.length);
        MemorySegment.copy(id, 0, scratch, ValueLayout.JAVA_BYTE, 0, n);
        chain.write(0, scratch, 0, n);
        int pad = (int) Math.min(ID_BYTES, writable - 1) - n;
        if (pad > 0) {
            chain.zero(n, pad);
        }
        return n + Math.max(pad, 0);
    }

    private boolean rangeOk(long sector, long len) {
        // Read per request: the operator may grow the disk while the queue runs ("resize").
        long capacity = device.store().size();
        return len % 512 == 0 && sector >= 0 && sector <= capacity / 512 && len <= capacity - sector * 512;
    }

    private byte discardOrZero(DescriptorChain chain, boolean discard) {
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
            int rc = store.tryFallocate(Linux.FALLOC_FL_ZERO_RANGE | Linux.FALLOC_FL_KEEP_SIZE, offset, len);
            if (rc == 0) {
                return S_OK;
            }
            // tmpfs and memfd have no ZERO_RANGE; a punched hole reads as zeros too.
        }
        int rc = store.tryFallocate(mode, offset, len);
        if (rc == 0) {
            return S_OK;
        }
        // Discard is a hint: a store that cannot punch holes just keeps the data.
        return discard ? S_OK : S_IOERR;
    }
}
