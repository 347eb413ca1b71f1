package org.vhostvertx.net;

import io.vertx.core.json.JsonObject;
import org.vhostvertx.linux.Linux;
import org.vhostvertx.virtq.DescriptorChain;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The host port of a switch. Frames for the host are written to the TAP interface straight from
 * the sender's guest memory (writev on the chain's buffers). With offloads the guest's virtio-net
 * header goes along, so partial checksums and large TCP frames reach the kernel as they are;
 * without, the switch completes checksums and cuts large frames first.
 *
 * <p>Frames the host sends are read by a reader thread into a small pool of buffers, always as
 * [virtio-net header][frame] (a zero header when the tap has none), and handed to the worker of the
 * switch's lane 0, which delivers them like a guest's frame (learning, flooding, forwarding, and
 * passing offloads on to guests that take them).
 */
final class TapPort implements Port, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TapPort.class.getName());
    private static final int MAX_IOV = 64;
    private static final int BUFFERS = 256;
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
    private final ArrayBlockingQueue<HostFrame> free = new ArrayBlockingQueue<>(BUFFERS);
    private final Thread reader;
    private volatile boolean closed;

    /** A buffer for one frame from the host and the chain that lets the switch read it. */
    private static final class HostFrame {
        final MemorySegment buffer = Arena.ofAuto().allocate(HDR + FRAME_MAX, 64);
        final DescriptorChain chain = new DescriptorChain(1);
        final MemorySegment scratch = Arena.ofAuto().allocate(16, 8);
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
        for (int i = 0; i < BUFFERS; i++) {
            free.add(new HostFrame());
        }
        this.reader = Thread.ofPlatform().daemon(true).name("tap-" + tap.name()).start(this::readLoop);
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
        int gsoType = TxHeader.gsoType(s.header);
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

    private void readLoop() {
        int epfd = Linux.epollCreate();
        MemorySegment events = Arena.ofAuto().allocate(Linux.EPOLL_EVENT_SIZE * 4L, 8);
        HostFrame spare = new HostFrame();
        try {
            Linux.epollAdd(epfd, tap.fd(), Linux.EPOLLIN, 0);
            while (!closed) {
                if (Linux.epollWait(epfd, events, 4, 200) == 0) {
                    continue;
                }
                while (!closed) {
                    HostFrame f = free.poll();
                    if (f == null) {
                        // The switch is behind: read and drop, counted.
                        if (read(spare) > 0) {
                            drops.noBuffer.increment();
                            continue;
                        }
                        break;
                    }
                    long n = read(f);
                    if (n <= 0) {
                        free.add(f);
                        break;
                    }
                    try {
                        hand(f, n);
                    } catch (RuntimeException e) {
                        // Never let one frame stop the host's traffic: count it and go on.
                        LOG.log(Level.WARNING, "tap " + tap.name() + ": a frame from the host failed", e);
                        drops.badHeader.increment();
                        free.add(f);
                    }
                }
            }
        } finally {
            Linux.close(epfd);
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

    /** Hands a frame read from the host to lane 0's worker (or counts why not). */
    private void hand(HostFrame f, long n) {
        if (n < HDR + NetFeatures.ETH_HEADER) {
            drops.badHeader.increment();
            free.add(f);
            return;
        }
        if (n >= HDR + FRAME_MAX) {
            // As long as the buffer: the kernel may have cut it.
            drops.tooLong.increment();
            free.add(f);
            return;
        }
        // The kernel may mark a checksum it verified (DATA_VALID): a hint we drop, as a guest's
        // frame cannot carry it either. What stays is checked like a guest's header.
        byte flags = f.buffer.get(ValueLayout.JAVA_BYTE, 0);
        f.buffer.set(ValueLayout.JAVA_BYTE, 0, (byte) (flags & TxHeader.F_NEEDS_CSUM));
        f.chain.wrap(f.buffer, n);
        if (!TxHeader.acceptable(f.chain, f.scratch, true, true, true)) {
            drops.badHeader.increment();
            free.add(f);
            return;
        }
        long frame = n - HDR;
        fromHost.increment();
        if (TxHeader.gsoType(f.scratch) != 0) {
            largeFromHost.increment();
        }
        sw.runOnLane0(() -> {
            try {
                sw.fromTap(this, f.chain, frame);
            } finally {
                free.add(f);
            }
        }, () -> {
            // No guest port runs: nobody to deliver to.
            drops.noDestination.increment();
            free.add(f);
        });
    }

    /** A frame from the host is for an address behind the host itself. */
    void noDestination() {
        drops.noDestination.increment();
    }

    @Override
    public void close() {
        closed = true;
        try {
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        tap.close();
    }
}
