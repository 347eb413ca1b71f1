package org.vhostvertx.net;

import org.vhostvertx.device.QueueHandler;
import org.vhostvertx.virtq.DescriptorChain;
import org.vhostvertx.virtq.Virtqueue;
import org.vhostvertx.worker.QueueCounters;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The port of a {@code "port": "app"} net device as its {@link NetApp} sees it: frames move between
 * the guest's rings and the application's {@link FrameBurst}s, one copy each way, like DPDK's
 * {@code rte_vhost_dequeue_burst} and {@code rte_vhost_enqueue_burst}. Call the bursts only on the
 * pair's worker, that is from the application's callbacks for that pair; another thread gets an
 * {@link IllegalStateException}.
 *
 * <p>The virtio-net header stays with the port: a frame the guest sent with a partial checksum
 * (the port offers CSUM) reaches the application with the checksum completed, and frames go to the
 * guest as complete frames with a plain header. A frame the port cannot pass on is counted in the
 * device's {@code info.drops}, as on any port.
 */
public final class AppPort {

    private static final Logger LOG = Logger.getLogger(AppPort.class.getName());

    private final NetDevice device;
    private final NetApp app;
    private final Pair[] pairs;

    /** The state of one queue pair, used only by the worker that runs it. */
    private static final class Pair {
        final Receiver receiver = new Receiver();
        final DescriptorChain tx = new DescriptorChain(8);
        Virtqueue txQueue;
        QueueCounters txCounters;
        boolean started;
    }

    AppPort(NetDevice device, NetApp app, int pairs) {
        this.device = device;
        this.app = app;
        this.pairs = new Pair[pairs];
        for (int i = 0; i < pairs; i++) {
            this.pairs[i] = new Pair();
        }
    }

    /** The device's id (its configuration's "id"). */
    public String id() {
        return device.id();
    }

    /** The port's MAC, as the guest was told it. */
    public byte[] mac() {
        return device.mac();
    }

    /** The MTU the guest was told: frames to it may be up to this plus 14 bytes (18 with a VLAN tag). */
    public int mtu() {
        return device.mtu();
    }

    /** The queue pairs the port has (the configuration's "queues"); pair numbers are 0..pairs()-1. */
    public int pairs() {
        return pairs.length;
    }

    /**
     * Takes up to burst.capacity() frames the guest sent on pair into burst's buffers from index 0,
     * sets their lengths and returns how many (0 when there are none, or the pair does not run). A
     * frame longer than the buffers, with a header the port cannot honour, or sent while the link
     * is down is dropped and counted (tooLong, badHeader, linkDown); it takes a place of the burst
     * without being returned, so one call does bounded work.
     */
    public int dequeueBurst(int pair, FrameBurst burst) {
        Pair p = owned(pair);
        Virtqueue q = p.txQueue;
        if (q == null || !p.started) {
            return 0;
        }
        Capture capture = device.capture();
        DescriptorChain tx = p.tx;
        int n = 0;
        for (int taken = 0; taken < burst.capacity() && q.pop(tx); taken++) {
            long frame = tx.readableLength() - NetFeatures.HEADER;
            // The header's words are read once: what is checked is what the checksum uses.
            long w0 = frame < NetFeatures.ETH_HEADER ? 0 : tx.readLong(0);
            int w8 = frame < NetFeatures.ETH_HEADER ? 0 : TxHeader.word8(tx);
            if (!device.linkUp()) {
                device.drops().linkDown.increment();
            } else if (frame < NetFeatures.ETH_HEADER
                    || !TxHeader.acceptable(w0, w8, frame, device.negotiated(NetFeatures.CSUM), false, false)) {
                device.drops().badHeader.increment();
                p.txCounters.error();
            } else if (frame > burst.frameBytes()) {
                device.drops().tooLong.increment();
                p.txCounters.error();
            } else {
                MemorySegment to = burst.frame(n);
                tx.read(NetFeatures.HEADER, to, 0, frame);
                if ((w0 & TxHeader.F_NEEDS_CSUM) != 0) {
                    completeChecksum(p, to, frame, TxHeader.csumStart(w0), TxHeader.csumOffset(w8));
                }
                burst.lengthUnchecked(n, (int) frame);
                p.txCounters.request(frame);
                if (capture != null) {
                    capture.record(to, (int) frame);
                }
                n++;
            }
            q.push(tx, 0);
        }
        return n;
    }

    /** Puts the checksum the guest left partial into the application's copy (big-endian, as on the wire). */
    private static void completeChecksum(Pair p, MemorySegment to, long frame, int start, int offset) {
        int sum = TxHeader.complete(p.tx, start, frame);
        to.set(ValueLayout.JAVA_BYTE, start + offset, (byte) (sum >> 8));
        to.set(ValueLayout.JAVA_BYTE, start + offset + 1, (byte) sum);
    }

    /**
     * Puts frames 0..count-1 of burst, in order, into the guest's receive queue of pair, and returns
     * how many it took: fewer than count when the guest has no receive buffer for the next one (the
     * rest are still the application's, to send again or drop), 0 when the pair does not run. A
     * frame that can never fit the guest's buffers, or sent while the link is down, is dropped and
     * counted (tooLong, linkDown) and counts as taken, since sending it again would not help.
     */
    public int enqueueBurst(int pair, FrameBurst burst, int count) {
        Pair p = owned(pair);
        if (count < 0 || count > burst.capacity()) {
            throw new IllegalArgumentException("count must be 0.." + burst.capacity() + ", was " + count);
        }
        if (!p.started) {
            return 0;
        }
        Capture capture = device.capture();
        for (int i = 0; i < count; i++) {
            int length = burst.length(i);
            if (!device.linkUp()) {
                device.drops().linkDown.increment();
                continue;
            }
            int r = p.receiver.deliverOwn(burst.frame(i), length);
            if (r == Receiver.NO_ROOM) {
                return i;
            }
            if (r == Receiver.TOO_LONG) {
                device.drops().tooLong.increment();
            } else if (capture != null) {
                capture.record(burst.frame(i), length);
            }
        }
        return count;
    }

    /**
     * Has the pair's worker call the application's poll soon although the guest did not kick (the
     * application has frames for it from elsewhere). Any thread may call it.
     */
    public void wake(int pair) {
        device.wake(2 * pair + 1);
    }

    private Pair owned(int pair) {
        Pair p = pairs[pair];
        if (!p.receiver.ownedByCaller()) {
            throw new IllegalStateException("net device " + id() + ": pair " + pair
                    + " is used only on the worker that runs it (from the application's callbacks)");
        }
        return p;
    }

    void features(long features) {
        for (Pair p : pairs) {
            p.receiver.features(features);
        }
    }

    QueueHandler rxHandler(int pair) {
        Pair p = pairs[pair];
        return new WaitingReceiveHandler(p.receiver, () -> { }, () -> stop(p, pair));
    }

    QueueHandler txHandler(int pair) {
        Pair p = pairs[pair];
        return new QueueHandler() {
            @Override
            public boolean process(Virtqueue queue, QueueCounters counters) {
                p.txQueue = queue;
                p.txCounters = counters;
                if (!p.started) {
                    if (!p.receiver.ownedByCaller()) {
                        // The receive queue does not run (yet) on this worker: nothing to start.
                        return false;
                    }
                    p.started = true;
                    app.started(AppPort.this, pair);
                }
                return app.poll(AppPort.this, pair);
            }

            @Override
            public void stopped() {
                stop(p, pair);
                p.txQueue = null;
            }
        };
    }

    /** The device is closed, after its rings stopped: tell the application, whatever it throws. */
    void close() {
        try {
            app.closed(this);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the application of net device " + device.id()
                    + " failed as it was closed", e);
        }
    }

    /** One of the pair's rings stopped: tell the application once. */
    private void stop(Pair p, int pair) {
        if (p.started) {
            p.started = false;
            app.stopped(this, pair);
        }
    }
}
