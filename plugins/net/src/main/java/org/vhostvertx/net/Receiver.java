package org.vhostvertx.net;

import org.vhostvertx.virtq.DescriptorChain;
import org.vhostvertx.virtq.Virtqueue;
import org.vhostvertx.worker.QueueCounters;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The receive side of one queue pair: puts a frame from some transmit chain (this guest's or
 * another port's) into this guest's receive buffers, header first, with one copy from guest memory
 * to guest memory. Used only on the worker that owns the receive queue.
 */
final class Receiver {

    /** deliver(): the ring has too few buffers now; nothing was taken. */
    static final int NO_ROOM = -1;
    /** deliver(): the frame can never fit (no mergeable buffers, or more than 64 needed). */
    static final int TOO_LONG = 0;
    /** deliver(): the sender's header no longer checks out (its guest rewrote it); nothing was taken. */
    static final int BAD_HEADER = -2;

    private static final int FIRST = NetFeatures.HEADER + 12;

    private final DescriptorChain[] rx = new DescriptorChain[64];
    private final MemorySegment first = Arena.ofAuto().allocate(FIRST, 8);
    private volatile boolean mergeable;
    /** The guest takes partial checksums (VIRTIO_NET_F_GUEST_CSUM): pass them on. */
    private volatile boolean guestCsum;
    /** The guest takes large TCP frames over IPv4 / IPv6 (GUEST_TSO4 / GUEST_TSO6). */
    private volatile boolean guestTso4;
    private volatile boolean guestTso6;
    private final long[] starts = new long[64];
    /** deliverPlain's burst: at most this many frames, their headers (3 words each) and lengths. */
    static final int BURST = 32;
    private final long[] words = new long[3 * BURST];
    private final long[] raw = new long[3 * BURST];
    private final long[] lengths = new long[BURST];
    private Virtqueue queue;
    private QueueCounters counters;
    /**
     * The worker thread that runs the receive queue, null while it does not run. Only that thread
     * may deliver; another worker hands its frame over (see SwitchPort).
     */
    private volatile Thread owner;

    Receiver() {
        for (int i = 0; i < rx.length; i++) {
            rx[i] = new DescriptorChain(4);
        }
    }

    void features(long features) {
        mergeable = (features & NetFeatures.MRG_RXBUF) != 0;
        guestCsum = (features & NetFeatures.GUEST_CSUM) != 0;
        guestTso4 = (features & NetFeatures.GUEST_TSO4) != 0;
        guestTso6 = (features & NetFeatures.GUEST_TSO6) != 0;
    }

    /** Whether this guest takes a large frame of gsoType as it is. */
    boolean takes(int gsoType) {
        int type = gsoType & ~TxHeader.GSO_ECN;
        return guestCsum && (type == TxHeader.GSO_TCPV4 ? guestTso4 : type == TxHeader.GSO_TCPV6 && guestTso6)
                && (gsoType & TxHeader.GSO_ECN) == 0;
    }

    /** The receive queue runs on the calling worker (called by its handler each round). */
    void attach(Virtqueue q, QueueCounters c) {
        queue = q;
        counters = c;
        Thread me = Thread.currentThread();
        if (owner != me) {
            owner = me;
        }
    }

    /** The receive queue stopped (called on the worker that ran it). */
    void detach() {
        queue = null;
        owner = null;
    }

    /** Whether the calling thread runs the receive queue, so it may deliver into it. */
    boolean ownedByCaller() {
        return owner == Thread.currentThread();
    }

    /** Whether the receive queue runs on some worker. */
    boolean running() {
        return owner != null;
    }

    Virtqueue queue() {
        return queue;
    }

    /** Makes the buffers filled so far visible to the guest now; the worker's round decides on the notification. */
    void publishUsed() {
        Virtqueue q = queue;
        if (q != null) {
            q.publishUsed();
        }
    }

    boolean hasBuffers() {
        return queue != null && queue.hasAvailable();
    }

    /**
     * Delivers the frame of frameLength bytes that follows the virtio-net header in tx's readable
     * part; swapMacs exchanges destination and source. Returns the receive buffers used, or
     * {@link #NO_ROOM} or {@link #TOO_LONG}.
     */
    int deliver(DescriptorChain tx, long frameLength, boolean swapMacs) {
        // The sender's header and MAC addresses as three words (bytes 0..23), read once: the
        // sender's guest can rewrite its buffer at any time, so what we use is what we check here
        // (TxHeader checked an earlier read). A partial checksum goes on as it is to a guest that
        // takes them, and is completed here for one that does not; a large frame must be one this
        // guest takes (others are cut by the caller, see takes()).
        long w0 = tx.readLong(0);
        long w1 = tx.readLong(8);
        long w2 = tx.readLong(16);
        boolean partial = (w0 & TxHeader.F_NEEDS_CSUM) != 0;
        int gsoType = (int) (w0 >>> 8) & 0xff;
        int csumStart = (int) (w0 >>> 48);
        int csumOffset = (int) (w1 & 0xffff);
        if ((partial && (csumStart < NetFeatures.ETH_HEADER || (long) csumStart + csumOffset + 2 > frameLength))
                || (gsoType != 0 && (!partial || !takes(gsoType)))) {
            return BAD_HEADER;
        }
        int n = fill(frameLength);
        if (n <= 0) {
            return n;
        }
        boolean passOn = partial && guestCsum;
        long h0 = passOn ? (w0 & ~0xffL) | TxHeader.F_NEEDS_CSUM : 0;
        long h1 = word1(passOn ? csumOffset : 0, n, w1, w2, swapMacs);
        long h2 = word2(w1, w2, swapMacs);
        int hdr = NetFeatures.HEADER;
        long total = hdr + frameLength;
        if (n == 1 && rx[0].writableLength() >= FIRST) {
            // The usual case: one buffer, so three stores and one copy straight from the sender.
            DescriptorChain b = rx[0];
            b.writeLong(0, h0);
            b.writeLong(8, h1);
            b.writeLong(16, h2);
            tx.copyTo(b, FIRST, FIRST, total - FIRST);
            starts[0] = 0;
        } else {
            first.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, h0);
            first.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, h1);
            first.set(ValueLayout.JAVA_LONG_UNALIGNED, 16, h2);
            // The transmit chain's header has our header's size, so stream offsets line up with it.
            write(n, total, first, FIRST, null, 0, tx, FIRST);
        }
        if (partial && !guestCsum) {
            int sum = TxHeader.complete(tx, csumStart, frameLength);
            long at = hdr + csumStart + csumOffset;
            put(n, at, (byte) (sum >> 8));
            put(n, at + 1, (byte) sum);
        }
        return publish(n, hdr + frameLength, frameLength);
    }

    /*
     * Our header as words 0..2 (bytes 0..23, native little-endian order) from the sender's words
     * w1 (bytes 8..15) and w2 (bytes 16..23): bytes 8..9 csum_offset, 10..11 num_buffers, 12..17
     * the destination MAC, 18..23 the source MAC (exchanged when swap is set).
     */

    /** Bytes 8..15: csum_offset, num_buffers, the first four bytes of the destination MAC. */
    static long word1(int csumOffset, int buffers, long w1, long w2, boolean swap) {
        long dst = swap ? w2 >>> 16 : (w1 >>> 32) | ((w2 & 0xffff) << 32);
        return csumOffset | ((long) buffers << 16) | (dst << 32);
    }

    /** Bytes 16..23: the last two bytes of the destination MAC, the source MAC. */
    static long word2(long w1, long w2, boolean swap) {
        long dst = swap ? w2 >>> 16 : (w1 >>> 32) | ((w2 & 0xffff) << 32);
        long src = swap ? (w1 >>> 32) | ((w2 & 0xffff) << 32) : w2 >>> 16;
        return ((dst >>> 32) & 0xffff) | (src << 16);
    }

    /**
     * Delivers plain frames (no offload asked) from tx[0..n) that each fit one receive buffer, in
     * order, and stops at the first that does not qualify or finds no buffer; returns how many it
     * delivered (the caller takes the rest one by one with {@link #deliver}). Work is done in
     * phases: read the senders' headers, take the buffers, then all stores into this guest's
     * memory together, then the used entries. On a virtual machine whose CPUs do not share a
     * cache, each line the other side touched costs hundreds of nanoseconds; stores grouped this
     * way have their transfers overlap instead of queueing behind our own bookkeeping.
     */
    int deliverPlain(DescriptorChain[] tx, int n, boolean swapMacs) {
        return deliverPlain(tx, 0, n, swapMacs);
    }

    /** As {@link #deliverPlain(DescriptorChain[], int, boolean)} for tx[from, from + n). */
    int deliverPlain(DescriptorChain[] tx, int from, int n, boolean swapMacs) {
        int count = Math.min(n, BURST);
        // The senders' first 24 bytes, all read before any is looked at: the driver wrote these
        // lines last, so each read waits for another CPU, and a loop that does nothing else keeps
        // many such reads in flight at once. What is checked below is what is used.
        for (int i = 0; i < count; i++) {
            DescriptorChain c = tx[from + i];
            if (c.readableLength() >= FIRST) {
                raw[3 * i] = c.readLong(0);
                raw[3 * i + 1] = c.readLong(8);
                raw[3 * i + 2] = c.readLong(16);
            }
        }
        int m = 0;
        for (; m < count; m++) {
            DescriptorChain c = tx[from + m];
            long frameLength = c.readableLength() - NetFeatures.HEADER;
            // The length first: a chain shorter than a header has no word to read.
            if (frameLength < NetFeatures.ETH_HEADER || (raw[3 * m] & 0xffff) != 0) {
                break;
            }
            long w1 = raw[3 * m + 1];
            long w2 = raw[3 * m + 2];
            words[3 * m] = 0;
            words[3 * m + 1] = word1(0, 1, w1, w2, swapMacs);
            words[3 * m + 2] = word2(w1, w2, swapMacs);
            lengths[m] = NetFeatures.HEADER + frameLength;
        }
        int k = 0;
        for (; k < m; k++) {
            if (!queue.pop(rx[k])) {
                break;
            }
            if (rx[k].writableLength() < lengths[k]) {
                queue.rewind(rx[k]);
                break;
            }
        }
        for (int i = 0; i < k; i++) {
            DescriptorChain b = rx[i];
            b.writeLong(0, words[3 * i]);
            b.writeLong(8, words[3 * i + 1]);
            b.writeLong(16, words[3 * i + 2]);
            tx[from + i].copyTo(b, FIRST, FIRST, lengths[i] - FIRST);
        }
        long bytes = 0;
        for (int i = 0; i < k; i++) {
            queue.push(rx[i], (int) lengths[i]);
            bytes += lengths[i] - NetFeatures.HEADER;
        }
        if (counters != null && k > 0) {
            counters.requests(k, bytes);
        }
        return k;
    }

    /**
     * Delivers one segment the switch cut from a large frame: headLength bytes of head (its
     * Ethernet, IP and TCP headers, already adjusted) followed by payloadLength bytes of tx's
     * readable part from payloadPos. Complete frame, no offload flags.
     */
    int deliverSegment(MemorySegment head, int headLength, DescriptorChain tx, long payloadPos, long payloadLength) {
        long frameLength = headLength + payloadLength;
        int n = fill(frameLength);
        if (n <= 0) {
            return n;
        }
        plainHeader(n);
        write(n, NetFeatures.HEADER + frameLength, first, NetFeatures.HEADER, head, headLength, tx, payloadPos);
        return publish(n, NetFeatures.HEADER + frameLength, frameLength);
    }

    /**
     * Delivers a frame held in our own memory (frame[0, length)), e.g. an announcement the
     * device makes; returns as {@link #deliver}.
     */
    int deliverOwn(MemorySegment frame, long length) {
        int n = fill(length);
        if (n <= 0) {
            return n;
        }
        plainHeader(n);
        write(n, NetFeatures.HEADER + length, first, NetFeatures.HEADER, frame, length, null, 0);
        return publish(n, NetFeatures.HEADER + length, length);
    }

    /** A header with no offload flags, for a frame in n buffers. */
    private void plainHeader(int n) {
        first.fill((byte) 0);
        first.set(ValueLayout.JAVA_SHORT_UNALIGNED, 10, (short) n);
    }

    /**
     * Writes the stream of total bytes into the n popped buffers: its first len1 bytes from s1,
     * the next len2 from s2, the rest from chain's readable part starting at chainPos.
     */
    private void write(int n, long total, MemorySegment s1, long len1, MemorySegment s2, long len2,
                       DescriptorChain chain, long chainPos) {
        long written = 0;
        for (int i = 0; i < n; i++) {
            DescriptorChain b = rx[i];
            long len = Math.min(b.writableLength(), total - written);
            starts[i] = written;
            long pos = 0;
            while (pos < len) {
                long at = written + pos;
                long k;
                if (at < len1) {
                    k = Math.min(len - pos, len1 - at);
                    b.write(pos, s1, at, k);
                } else if (at < len1 + len2) {
                    k = Math.min(len - pos, len1 + len2 - at);
                    b.write(pos, s2, at - len1, k);
                } else {
                    k = len - pos;
                    chain.copyTo(b, chainPos + (at - len1 - len2), pos, k);
                }
                pos += k;
            }
            written += len;
        }
    }

    /** Returns the n written buffers to the guest and counts the frame. */
    private int publish(int n, long total, long frameLength) {
        for (int i = 0; i < n; i++) {
            queue.push(rx[i], (int) Math.min(rx[i].writableLength(), total - starts[i]));
        }
        if (counters != null) {
            counters.request(frameLength);
        }
        return n;
    }

    /** Writes one byte at stream offset at of the n buffers being filled. */
    private void put(int n, long at, byte v) {
        for (int i = n - 1; i >= 0; i--) {
            if (at >= starts[i]) {
                rx[i].writeByte(at - starts[i], v);
                return;
            }
        }
    }

    private int fill(long frameLength) {
        long need = NetFeatures.HEADER + frameLength;
        long room = 0;
        int n = 0;
        while (room < need) {
            if (n == rx.length || !queue.pop(rx[n])) {
                for (int i = n - 1; i >= 0; i--) {
                    queue.rewind(rx[i]);
                }
                return n == rx.length ? TOO_LONG : NO_ROOM;
            }
            room += rx[n].writableLength();
            n++;
            if (!mergeable && room < need) {
                queue.rewind(rx[0]);
                return TOO_LONG;
            }
        }
        return n;
    }
}
