package org.vhostvertx.storage;

import org.vhostvertx.virtq.DescriptorChain;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One request slot of a {@link ChainIo}: the chain the handler pops into, kept with the request
 * until it finishes (requests finish out of order, so each one needs its own), and the transfer's
 * progress. Slots are made once per queue and reused: the data path allocates nothing.
 */
public final class IoRequest {

    private final int index;
    private final DescriptorChain chain = new DescriptorChain(64);

    // The transfer in progress (AsyncChainIo's bookkeeping).
    byte op;
    int fd;
    int rwFlags;
    int alignment;
    long fileOffset;
    long pos;
    long len;
    long done;
    boolean bounced;
    MemorySegment iov;
    int iovCap;
    MemorySegment bounce;

    IoRequest(int index) {
        this.index = index;
    }

    /** The slot's number, 0..depth-1: a handler keeps per-request state in arrays by it. */
    public int index() {
        return index;
    }

    /** The chain this request serves: pop into it, and push it when the request finished. */
    public DescriptorChain chain() {
        return chain;
    }

    /** Room for n iovecs (kept, grown only when a longer chain comes). */
    void ensureIovecs(int n) {
        if (iovCap < n) {
            iovCap = Math.max(n, 16);
            iov = Arena.ofAuto().allocate(16L * iovCap, 8);
        }
    }

    MemorySegment bounce() {
        if (bounce == null) {
            bounce = DirectIo.bounceBuffer(alignment);
        }
        return bounce;
    }
}
