package org.vhostvertx.net;

import io.vertx.core.json.JsonObject;
import org.vhostvertx.linux.Linux;
import org.vhostvertx.virtq.DescriptorChain;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The host port of a switch. Frames for the host are written to the TAP interface straight from
 * the sender's guest memory (writev on the chain's buffers). With offloads the guest's virtio-net
 * header goes along, so partial checksums and large TCP frames reach the kernel as they are;
 * without, the switch completes checksums and cuts large frames first.
 *
 * <p>Frames the host sends are read by the worker of the switch's lane 0 itself: the switch has it
 * watch the tap's descriptor (DeviceContext.watch on a guest port's first receive queue), and each
 * time it is readable the worker reads a bounded burst, always as [virtio-net header][frame] (a
 * zero header when the tap has none), into one buffer and delivers each frame like a guest's
 * (learning, flooding, forwarding, passing offloads on to guests that take them). No thread of
 * our own, no handover: the frame is copied once, from our buffer into the guests'.
 */
final class TapPort implements Port, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TapPort.class.getName());
    private static final int MAX_IOV = 64;
    /** Frames read per readable event, so the lane's guest queues are not starved. */
    private static final int BURST = 64;
    /** The largest frame: a 64 KiB IP packet (a GRO'd or TSO frame) behind a VLAN-tagged Ethernet header. */
    private static final int FRAME_MAX = 65535 + NetFeatures.ETH_HEADER + 4;
    private static final int HDR = NetFeatures.HEADER;

    private final Tap tap;
    private final Switch sw;
    private final DropCounters drops = new DropCounters();
    private final LongAdder toHost = new LongAdder();
    private final LongAdder largeToHost = new LongAdder();
    private final LongAdder fromHost = new LongAdder();
    private final LongAdder largeFromHost = new LongAdder();
    /** Only lane 0's worker reads into it. */
    private final HostFrame in = new HostFrame();

    /** A buffer for one frame from the host and the chain that lets the switch read it. */
    private static final class HostFrame {
        final MemorySegment buffer = Arena.ofAuto().allocate(HDR + FRAME_MAX, 64);
        final DescriptorChain chain = new DescriptorChain(1);
    }

    /** What writing one frame to the tap needs; one per worker thread, as every lane's worker writes here. */
    private static final class Scratch {
        final MemorySegment iov = Arena.ofAuto().allocate((long) MAX_IOV * Linux.IOVEC_SIZE, 8);
        final MemorySegment header = Arena.ofAuto().allocate(16, 8);
        /** Frames whose partial checksum we complete are copied here first (no offloads). */
        final MemorySegment frame = Arena.ofAuto().allocate(FRAME_MAX, 64);
        final Segmenter segmenter = new Segmenter();
    }

    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);
    /** The header of a frame we make ourselves (an announcement): no offloads. */
    private final MemorySegment plainHeader = Arena.ofAuto().allocate(HDR, 8);

    TapPort(Tap tap, Switch sw) {
        this.tap = tap;
        this.sw = sw;
    }

    int fd() {
        return tap.fd();
    }

    JsonObject describe() {
        return new JsonObject().put("name", tap.name()).put("offloads", tap.offloads())
                .put("toHost", toHost.sum()).put("largeToHost", largeToHost.sum())
                .put("fromHost", fromHost.sum()).put("largeFromHost", largeFromHost.sum())
                .put("drops", drops.toJson());
    }

    @Override
    public void receive(DescriptorChain from, long frame, int pair) {
        Scratch s = scratch.get();
        from.read(0, s.header, 0, HDR);
        int gsoType = TxHeader.gsoType(s.header.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
        if (tap.offloads()) {
            // The sender's header was checked by its port: the kernel takes it as it is.
            int k = from.iovecs(false, 0, HDR + frame, s.iov, MAX_IOV);
            written(Linux.tryWritev(tap.fd(), s.iov, k), gsoType != 0);
            return;
        }
        if (gsoType != 0) {
            // No vnet header: the host gets the large frame as the segments it stands for.
            int l4 = Short.toUnsignedInt(s.header.get(ValueLayout.JAVA_SHORT_UNALIGNED, 6));
            int mss = Short.toUnsignedInt(s.header.get(ValueLayout.JAVA_SHORT_UNALIGNED, 4));
            MemorySegment iov = s.iov;
            if (!s.segmenter.segment(from, frame, l4, mss, (h, hl, tx, pos, len) -> {
                iov.set(ValueLayout.JAVA_LONG, 0, h.address());
                iov.set(ValueLayout.JAVA_LONG, 8, hl);
                int k = tx.iovecs(false, pos, len, iov.asSlice(Linux.IOVEC_SIZE), MAX_IOV - 1);
                written(Linux.tryWritev(tap.fd(), iov, k + 1), false);
            })) {
                drops.badHeader.increment();
            }
            return;
        }
        if ((s.header.get(ValueLayout.JAVA_BYTE, 0) & TxHeader.F_NEEDS_CSUM) != 0) {
            int start = Short.toUnsignedInt(s.header.get(ValueLayout.JAVA_SHORT_UNALIGNED, 6));
            int offset = Short.toUnsignedInt(s.header.get(ValueLayout.JAVA_SHORT_UNALIGNED, 8));
            // Read again from the sender's memory: check it again.
            if (frame > FRAME_MAX || start < NetFeatures.ETH_HEADER || (long) start + offset + 2 > frame) {
                drops.badHeader.increment();
                return;
            }
            int sum = TxHeader.complete(from, start, frame);
            from.read(HDR, s.frame, 0, frame);
            s.frame.set(ValueLayout.JAVA_BYTE, start + offset, (byte) (sum >> 8));
            s.frame.set(ValueLayout.JAVA_BYTE, start + offset + 1, (byte) sum);
            receiveOwn(s.frame, frame);
            return;
        }
        int k = from.iovecs(false, HDR, frame, s.iov, MAX_IOV);
        written(Linux.tryWritev(tap.fd(), s.iov, k), false);
    }

    @Override
    public void receiveOwn(MemorySegment frame, long length) {
        MemorySegment iov = scratch.get().iov;
        int k = 0;
        if (tap.offloads()) {
            iov.set(ValueLayout.JAVA_LONG, 0, plainHeader.address());
            iov.set(ValueLayout.JAVA_LONG, 8, HDR);
            k++;
        }
        iov.set(ValueLayout.JAVA_LONG, 16L * k, frame.address());
        iov.set(ValueLayout.JAVA_LONG, 16L * k + 8, length);
        written(Linux.tryWritev(tap.fd(), iov, k + 1), false);
    }

    /** Counts the result of a writev to the tap (bytes or -errno). */
    private void written(long rc, boolean large) {
        if (rc >= 0) {
            toHost.increment();
            if (large) {
                largeToHost.increment();
            }
        } else if (rc == -Linux.EAGAIN) {
            // The tap's queue is full.
            drops.noBuffer.increment();
        } else {
            // The kernel refused the frame (e.g. a header it does not accept).
            drops.badHeader.increment();
        }
    }

    /**
     * The tap is readable: read and deliver up to a burst of frames. Runs on lane 0's worker (the
     * switch's watch); what is left makes the descriptor readable again.
     */
    void readable() {
        for (int i = 0; i < BURST; i++) {
            long n = read(in);
            if (n <= 0) {
                return;
            }
            try {
                deliver(in, n);
            } catch (RuntimeException e) {
                // Never let one frame stop the host's traffic: count it and go on.
                LOG.log(Level.WARNING, "tap " + tap.name() + ": a frame from the host failed", e);
                drops.badHeader.increment();
            }
        }
    }

    /** Reads one frame into f as [header][frame]; returns header + frame bytes, or <= 0 for none. */
    private long read(HostFrame f) {
        if (tap.offloads()) {
            return Linux.tryRead(tap.fd(), f.buffer, HDR + FRAME_MAX);
        }
        long n = Linux.tryRead(tap.fd(), f.buffer.asSlice(HDR), FRAME_MAX);
        if (n <= 0) {
            return n;
        }
        f.buffer.asSlice(0, HDR).fill((byte) 0);
        return HDR + n;
    }

    /** Delivers a frame read from the host to the switch (or counts why not). */
    private void deliver(HostFrame f, long n) {
        if (n < HDR + NetFeatures.ETH_HEADER) {
            drops.badHeader.increment();
            return;
        }
        if (n >= HDR + FRAME_MAX) {
            // As long as the buffer: the kernel may have cut it.
            drops.tooLong.increment();
            return;
        }
        // The kernel may mark a checksum it verified (DATA_VALID): a hint we drop, as a guest's
        // frame cannot carry it either. What stays is checked like a guest's header.
        byte flags = f.buffer.get(ValueLayout.JAVA_BYTE, 0);
        f.buffer.set(ValueLayout.JAVA_BYTE, 0, (byte) (flags & TxHeader.F_NEEDS_CSUM));
        f.chain.wrap(f.buffer, n);
        if (!TxHeader.acceptable(f.chain, true, true, true)) {
            drops.badHeader.increment();
            return;
        }
        long frame = n - HDR;
        fromHost.increment();
        if (TxHeader.gsoType(f.chain.readLong(0)) != 0) {
            largeFromHost.increment();
        }
        sw.fromTap(this, f.chain, frame);
    }

    /** A frame from the host is for an address behind the host itself. */
    void noDestination() {
        drops.noDestination.increment();
    }

    @Override
    public void close() {
        tap.close();
    }
}
