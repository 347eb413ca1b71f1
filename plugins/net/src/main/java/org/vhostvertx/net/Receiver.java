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
    private Virtqueue queue;
    private QueueCounters counters;

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

    void attach(Virtqueue q, QueueCounters c) {
        queue = q;
        counters = c;
    }

    void detach() {
        queue = null;
    }

    Virtqueue queue() {
        return queue;
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
        int n = fill(frameLength);
        if (n <= 0) {
            return n;
        }
        // The sender's header (checked by TxHeader): a partial checksum goes on as it is to a guest
        // that takes them, and is completed here for one that does not.
        tx.read(0, first, 0, NetFeatures.HEADER);
        boolean partial = (first.get(ValueLayout.JAVA_BYTE, 0) & TxHeader.F_NEEDS_CSUM) != 0;
        int csumStart = Short.toUnsignedInt(first.get(ValueLayout.JAVA_SHORT_UNALIGNED, 6));
        int csumOffset = Short.toUnsignedInt(first.get(ValueLayout.JAVA_SHORT_UNALIGNED, 8));
        first.fill((byte) 0);
        if (partial && guestCsum) {
            // A large frame reaches deliver() only for a guest that takes it (see takes()).
            tx.read(0, first, 0, 6);
            first.set(ValueLayout.JAVA_BYTE, 0, (byte) TxHeader.F_NEEDS_CSUM);
            first.set(ValueLayout.JAVA_SHORT_UNALIGNED, 6, (short) csumStart);
            first.set(ValueLayout.JAVA_SHORT_UNALIGNED, 8, (short) csumOffset);
        }
        first.set(ValueLayout.JAVA_SHORT_UNALIGNED, 10, (short) n);
        int hdr = NetFeatures.HEADER;
        tx.read(hdr + (swapMacs ? 6 : 0), first, hdr, 6);
        tx.read(hdr + (swapMacs ? 0 : 6), first, hdr + 6, 6);
        long total = hdr + frameLength;
        long written = 0;
        for (int i = 0; i < n; i++) {
            DescriptorChain b = rx[i];
            long len = Math.min(b.writableLength(), total - written);
            long pos = 0;
            if (written < FIRST) {
                long k = Math.min(len, FIRST - written);
                b.write(0, first, written, k);
                pos = k;
            }
            if (pos < len) {
                // The transmit chain's header has our header's size, so stream offsets line up.
                tx.copyTo(b, written + pos, pos, len - pos);
            }
            starts[i] = written;
            written += len;
        }
        if (partial && !guestCsum) {
            int sum = TxHeader.complete(tx, csumStart, frameLength);
            long at = NetFeatures.HEADER + csumStart + csumOffset;
            put(n, at, (byte) (sum >> 8));
            put(n, at + 1, (byte) sum);
        }
        for (int i = 0; i < n; i++) {
            long len = Math.min(rx[i].writableLength(), total - starts[i]);
            queue.push(rx[i], (int) len);
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
        first.fill((byte) 0);
        first.set(ValueLayout.JAVA_SHORT_UNALIGNED, 10, (short) n);
        long total = NetFeatures.HEADER + frameLength;
        long own = NetFeatures.HEADER + headLength;
        long written = 0;
        for (int i = 0; i < n; i++) {
            DescriptorChain b = rx[i];
            long len = Math.min(b.writableLength(), total - written);
            long pos = 0;
            while (pos < len && written + pos < own) {
                long at = written + pos;
                long k;
                if (at < NetFeatures.HEADER) {
                    k = Math.min(len - pos, NetFeatures.HEADER - at);
                    b.write(pos, first, at, k);
                } else {
                    k = Math.min(len - pos, own - at);
                    b.write(pos, head, at - NetFeatures.HEADER, k);
                }
                pos += k;
            }
            if (pos < len) {
                tx.copyTo(b, payloadPos + (written + pos - own), pos, len - pos);
            }
            written += len;
            queue.push(b, (int) len);
        }
        if (counters != null) {
            counters.request(frameLength);
        }
        return n;
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
        first.fill((byte) 0);
        first.set(ValueLayout.JAVA_SHORT_UNALIGNED, 10, (short) n);
        long total = NetFeatures.HEADER + length;
        long written = 0;
        for (int i = 0; i < n; i++) {
            DescriptorChain b = rx[i];
            long len = Math.min(b.writableLength(), total - written);
            long pos = 0;
            if (written < NetFeatures.HEADER) {
                long k = Math.min(len, NetFeatures.HEADER - written);
                b.write(0, first, written, k);
                pos = k;
            }
            if (pos < len) {
                b.write(pos, frame, written + pos - NetFeatures.HEADER, len - pos);
            }
            written += len;
            queue.push(b, (int) len);
        }
        if (counters != null) {
            counters.request(length);
        }
        return n;
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
