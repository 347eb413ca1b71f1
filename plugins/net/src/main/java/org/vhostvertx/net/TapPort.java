package org.vhostvertx.net;

import org.vhostvertx.linux.Linux;
import org.vhostvertx.virtq.DescriptorChain;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * The host port of a switch: frames for it are written to the TAP interface straight from the
 * sender's guest memory (writev on the chain's buffers); frames the host sends are read by a
 * reader thread into a small pool of buffers and handed to the switch's worker, which delivers
 * them like any other frame (learning their source, flooding or forwarding).
 */
final class TapPort implements Port, AutoCloseable {

    private static final int MAX_IOV = 64;
    private static final int BUFFERS = 256;
    private static final int FRAME_MAX = 65536;

    private final Tap tap;
    private final Switch sw;
    private final DropCounters drops = new DropCounters();
    private final ArrayBlockingQueue<MemorySegment> free = new ArrayBlockingQueue<>(BUFFERS);
    private final Thread reader;
    private volatile boolean closed;

    TapPort(Tap tap, Switch sw) {
        this.tap = tap;
        this.sw = sw;
        Arena arena = Arena.ofAuto();
        for (int i = 0; i < BUFFERS; i++) {
            free.add(arena.allocate(FRAME_MAX, 64));
        }
        this.reader = Thread.ofPlatform().daemon(true).name("tap-" + tap.name()).start(this::readLoop);
    }

    DropCounters drops() {
        return drops;
    }

    /** What writing one frame to the tap needs; one per worker thread, as every lane's worker writes here. */
    private static final class Scratch {
        final MemorySegment iov = Arena.ofAuto().allocate((long) MAX_IOV * Linux.IOVEC_SIZE, 8);
        final MemorySegment header = Arena.ofAuto().allocate(16, 8);
        /** Frames whose partial checksum we complete are copied here first (the tap has no vnet header). */
        final MemorySegment frame = Arena.ofAuto().allocate(FRAME_MAX, 64);
        final Segmenter segmenter = new Segmenter();
    }

    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    @Override
    public void receive(DescriptorChain from, long frame, int pair) {
        Scratch s = scratch.get();
        MemorySegment header = s.header;
        MemorySegment iov = s.iov;
        from.read(0, header, 0, NetFeatures.HEADER);
        if (TxHeader.gsoType(header) != 0) {
            // The tap has no vnet header: the host gets the large frame as the segments it stands for.
            int l4 = Short.toUnsignedInt(header.get(ValueLayout.JAVA_SHORT_UNALIGNED, 6));
            int mss = Short.toUnsignedInt(header.get(ValueLayout.JAVA_SHORT_UNALIGNED, 4));
            if (!s.segmenter.segment(from, frame, l4, mss, (h, hl, tx, pos, len) -> {
                iov.set(ValueLayout.JAVA_LONG, 0, h.address());
                iov.set(ValueLayout.JAVA_LONG, 8, hl);
                int k = tx.iovecs(false, pos, len, iov.asSlice(Linux.IOVEC_SIZE), MAX_IOV - 1);
                if (Linux.tryWritev(tap.fd(), iov, k + 1) < 0) {
                    drops.noBuffer.increment();
                }
            })) {
                drops.badHeader.increment();
            }
            return;
        }
        if ((header.get(ValueLayout.JAVA_BYTE, 0) & TxHeader.F_NEEDS_CSUM) != 0 && frame <= FRAME_MAX) {
            int start = Short.toUnsignedInt(header.get(ValueLayout.JAVA_SHORT_UNALIGNED, 6));
            int offset = Short.toUnsignedInt(header.get(ValueLayout.JAVA_SHORT_UNALIGNED, 8));
            int sum = TxHeader.complete(from, start, frame);
            from.read(NetFeatures.HEADER, s.frame, 0, frame);
            s.frame.set(ValueLayout.JAVA_BYTE, start + offset, (byte) (sum >> 8));
            s.frame.set(ValueLayout.JAVA_BYTE, start + offset + 1, (byte) sum);
            receiveOwn(s.frame, frame);
            return;
        }
        int k = from.iovecs(false, NetFeatures.HEADER, frame, iov, MAX_IOV);
        long rc = Linux.tryWritev(tap.fd(), iov, k);
        if (rc < 0) {
            drops.noBuffer.increment();
        }
    }

    @Override
    public void receiveOwn(MemorySegment frame, long length) {
        MemorySegment iov = scratch.get().iov;
        iov.set(ValueLayout.JAVA_LONG, 0, frame.address());
        iov.set(ValueLayout.JAVA_LONG, 8, length);
        if (Linux.tryWritev(tap.fd(), iov, 1) < 0) {
            drops.noBuffer.increment();
        }
    }

    private void readLoop() {
        int epfd = Linux.epollCreate();
        MemorySegment events = Arena.ofAuto().allocate(Linux.EPOLL_EVENT_SIZE * 4L, 8);
        try {
            Linux.epollAdd(epfd, tap.fd(), Linux.EPOLLIN, 0);
            while (!closed) {
                if (Linux.epollWait(epfd, events, 4, 200) == 0) {
                    continue;
                }
                while (!closed) {
                    MemorySegment buf = free.poll();
                    if (buf == null) {
                        // The switch is behind: read and drop, counted.
                        buf = Arena.ofAuto().allocate(FRAME_MAX);
                        if (Linux.tryRead(tap.fd(), buf, FRAME_MAX) > 0) {
                            drops.noBuffer.increment();
                            continue;
                        }
                        break;
                    }
                    long n = Linux.tryRead(tap.fd(), buf, FRAME_MAX);
                    if (n < NetFeatures.ETH_HEADER) {
                        free.add(buf);
                        break;
                    }
                    MemorySegment frame = buf;
                    sw.runOnLane0(() -> {
                        try {
                            sw.fromTap(this, frame, n);
                        } finally {
                            free.add(frame);
                        }
                    }, () -> {
                        // No guest port runs: nobody to deliver to.
                        drops.noDestination.increment();
                        free.add(frame);
                    });
                }
            }
        } finally {
            Linux.close(epfd);
        }
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
