package org.vhostvertx.net;

import org.vhostvertx.device.QueueHandler;
import org.vhostvertx.virtq.DescriptorChain;
import org.vhostvertx.virtq.Virtqueue;
import org.vhostvertx.worker.QueueCounters;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A port of a {@link Switch}: frames the guest transmits go to the port that owns the destination
 * MAC (learned from source addresses), or to every other port for broadcast, multicast and unknown
 * destinations. A frame a port cannot take (no receive buffer, link down, too long) is dropped and
 * counted on that port; a frame with nowhere to go counts as "no destination" on the sender.
 *
 * <p>Queue pair k of every port of a switch is on the switch's lane k, one queue group, so one
 * worker runs lane k of all ports and a frame sent on pair k goes straight from the sender's
 * buffers into the receiver's pair k with one copy and no locks. When the receiver does not run
 * pair k (it uses fewer pairs), the frame goes to one of its pairs that runs; if another worker
 * owns that pair, the frame is copied once more into memory of ours and handed to that worker.
 */
final class SwitchPort implements Port {

    private static final int BUDGET = 256;
    /** Frames handed to other workers and not yet delivered; more are dropped (counted as noBuffer). */
    private static final int MAX_HANDOVERS = 1024;
    /** Handover buffers kept for reuse (each holds the largest frame), so a steady handover allocates nothing. */
    private static final int SPARE_BUFFERS = 64;
    private static final long BUFFER_SIZE = NetFeatures.HEADER + 65535 + NetFeatures.ETH_HEADER + 4;

    private final NetDevice device;
    private final Switch sw;
    private final Lane[] lanes;
    private final AtomicInteger handoversInFlight = new AtomicInteger();
    private final LongAdder handovers = new LongAdder();
    private final ArrayBlockingQueue<MemorySegment> spare = new ArrayBlockingQueue<>(SPARE_BUFFERS);

    /** One queue pair of the port and the scratch its worker uses for it. */
    private static final class Lane {
        final Receiver receiver = new Receiver();
        /** The transmit chains of the burst being forwarded (used by the transmit handler). */
        final DescriptorChain[] tx = new DescriptorChain[Receiver.BURST];
        /** Where each frame of the burst goes: a port, FLOOD, or null when it goes nowhere. */
        final Port[] to = new Port[Receiver.BURST];
        /** A frame handed over by another worker, as a chain (used by the receive side). */
        final DescriptorChain handedOver = new DescriptorChain(1);
        final Segmenter segmenter = new Segmenter();

        Lane() {
            for (int i = 0; i < tx.length; i++) {
                tx[i] = new DescriptorChain(8);
            }
        }
    }

    /** Marks a frame of a burst that goes to every port but its sender. */
    private static final Port FLOOD = new Port() {
        public void receive(DescriptorChain from, long frame, int pair) {
            throw new UnsupportedOperationException();
        }

        public void receiveOwn(MemorySegment frame, long length) {
            throw new UnsupportedOperationException();
        }
    };

    SwitchPort(NetDevice device, Switch sw, int pairs) {
        this.device = device;
        this.sw = sw;
        this.lanes = new Lane[pairs];
        for (int i = 0; i < pairs; i++) {
            lanes[i] = new Lane();
        }
    }

    void features(long features) {
        for (Lane l : lanes) {
            l.receiver.features(features);
        }
    }

    NetDevice device() {
        return device;
    }

    /** Frames another worker's lane handed to one of ours. */
    long handovers() {
        return handovers.sum();
    }

    QueueHandler rxHandler(int pair) {
        if (pair != 0) {
            return new WaitingReceiveHandler(lanes[pair].receiver, () -> { }, () -> { });
        }
        // Lane 0's worker watches the tap: the first port whose first receive queue runs homes it.
        return new WaitingReceiveHandler(lanes[0].receiver, () -> sw.homeTap(this), () -> sw.tapHomeStopped(this));
    }

    QueueHandler txHandler(int pair) {
        return (queue, counters) -> forward(lanes[pair], pair, queue, counters);
    }

    /**
     * Forwards bursts of the guest's frames in phases, like the reflect port: take a burst, decide
     * each frame's destination, hand consecutive frames for one port over together (so a receiving
     * guest port fills its buffers in one go, see Receiver.deliverPlain), then return the burst
     * and publish it.
     */
    private boolean forward(Lane lane, int pair, Virtqueue txq, QueueCounters counters) {
        Capture capture = device.capture();
        int moved = 0;
        long now = 0;
        while (moved < BUDGET) {
            int n = 0;
            while (n < Receiver.BURST && txq.pop(lane.tx[n])) {
                n++;
            }
            if (n == 0) {
                break;
            }
            if (now == 0) {
                // The clock only when there are frames: the worker calls every port's handler in
                // each round it polls, and a clock read costs about as much as an empty round.
                now = System.nanoTime();
            }
            moved += n;
            route(lane, n, counters, capture, now);
            int i = 0;
            while (i < n) {
                Port to = lane.to[i];
                int j = i + 1;
                while (j < n && lane.to[j] == to) {
                    j++;
                }
                if (to == FLOOD) {
                    flood(lane.tx, i, j - i, pair);
                } else if (to != null) {
                    to.receiveBurst(lane.tx, i, j - i, pair);
                }
                i = j;
            }
            for (int k = 0; k < n; k++) {
                txq.push(lane.tx[k], 0);
            }
            publishBurst(lane, n, pair, txq);
        }
        return moved > 0;
    }

    /**
     * Makes the burst's n frames visible now, not at the end of the worker's round: in a loop of
     * few frames, the guests would otherwise wait for them while the worker serves other ports.
     * The transmit buffers first: a driver that finds its frames back before its transmit ring has
     * room again may drop what it sends next. Then each port the burst went to.
     */
    private void publishBurst(Lane lane, int n, int pair, Virtqueue txq) {
        txq.publishUsed();
        Port last = null;
        for (int k = 0; k < n; k++) {
            Port to = lane.to[k];
            if (to == null || to == last) {
                continue;
            }
            if (to == FLOOD) {
                for (Port p : sw.ports()) {
                    if (p != this) {
                        p.publishReceived(pair);
                    }
                }
            } else {
                to.publishReceived(pair);
            }
            last = to;
        }
    }

    /** Checks and counts the burst's n frames and decides where each goes (lane.to). */
    private void route(Lane lane, int n, QueueCounters counters, Capture capture, long now) {
        long lastSrc = -1;
        long lastDst = -1;
        Port lastTo = null;
        // Read once a burst: each read of a volatile field keeps the compiler from carrying what
        // it loaded before across it.
        boolean csum = device.negotiated(NetFeatures.CSUM);
        boolean tso4 = device.negotiated(NetFeatures.HOST_TSO4);
        boolean tso6 = device.negotiated(NetFeatures.HOST_TSO6);
        boolean linkUp = device.linkUp();
        int good = 0;
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            DescriptorChain tx = lane.tx[i];
            long frame = tx.readableLength() - NetFeatures.HEADER;
            if (frame < NetFeatures.ETH_HEADER || !TxHeader.acceptable(tx, csum, tso4, tso6)) {
                device.drops().badHeader.increment();
                counters.error();
                lane.to[i] = null;
                continue;
            }
            good++;
            bytes += frame;
            if (capture != null) {
                capture.record(tx, NetFeatures.HEADER, frame, false);
            }
            if (!linkUp) {
                device.drops().linkDown.increment();
                lane.to[i] = null;
                continue;
            }
            long dst = Switch.destination(tx);
            long src = Switch.source(tx);
            if (src != lastSrc) {
                // Within one burst the same sender need not be learned twice.
                sw.learn(src, this, now);
                lastSrc = src;
            }
            Port to;
            if (dst == lastDst) {
                to = lastTo;
            } else {
                boolean group = (dst & (1L << 40)) != 0;
                Port known = group ? null : sw.lookup(dst, now);
                to = known == null ? FLOOD : known == this ? null : known;
                lastDst = dst;
                lastTo = to;
            }
            if (to == null) {
                // The destination is behind the port it came from: nothing to do on a switch.
                device.drops().noDestination.increment();
            }
            // Mostly the slot holds this port already (a burst of one flow), and a store into an
            // array of an interface type costs a type check the load does not.
            if (lane.to[i] != to) {
                lane.to[i] = to;
            }
        }
        if (good > 0) {
            counters.requests(good, bytes);
        }
    }

    /** Frames for every port but this one. */
    private void flood(DescriptorChain[] tx, int start, int count, int pair) {
        int delivered = 0;
        for (Port p : sw.ports()) {
            if (p != this) {
                p.receiveBurst(tx, start, count, pair);
                delivered++;
            }
        }
        if (delivered == 0) {
            for (int i = 0; i < count; i++) {
                device.drops().noDestination.increment();
            }
        }
    }

    /** Makes mac (wire order) this port's address in the switch's table; from any thread (the table is concurrent). */
    void learnHere(byte[] mac) {
        long m = 0;
        for (byte b : mac) {
            m = m << 8 | (b & 0xff);
        }
        sw.learn(m, this, System.nanoTime());
    }

    /** Floods a frame made by the device (a RARP announcement) to every other port. Runs on lane 0's worker. */
    void announce(MemorySegment frame, long length) {
        for (Port p : sw.ports()) {
            if (p != this) {
                p.receiveOwn(frame, length);
            }
        }
    }

    @Override
    public void receiveOwn(MemorySegment frame, long length) {
        if (!device.linkUp()) {
            device.drops().linkDown.increment();
            return;
        }
        Receiver r = lanes[0].receiver;
        if (!r.ownedByCaller() || r.deliverOwn(frame, length) <= 0) {
            device.drops().noBuffer.increment();
            return;
        }
        Capture capture = device.capture();
        if (capture != null) {
            capture.record(frame, (int) length);
        }
    }

    /** Takes a frame another port sent on its pair (lane); runs on that lane's worker. */
    @Override
    public void receive(DescriptorChain from, long frame, int pair) {
        if (!device.linkUp()) {
            device.drops().linkDown.increment();
            return;
        }
        int target = targetPair(pair);
        if (target < 0) {
            device.drops().noBuffer.increment();
            return;
        }
        Lane lane = lanes[target];
        if (lane.receiver.ownedByCaller()) {
            deliver(lane, from, frame);
        } else {
            handOver(target, from, frame);
        }
    }

    /**
     * Frames another port sent on its pair (lane), in order; runs on that lane's worker. Plain
     * frames that fit one buffer go in as one burst when this worker runs the receiving pair.
     */
    @Override
    public void receiveBurst(DescriptorChain[] from, int start, int count, int pair) {
        int target = device.linkUp() ? targetPair(pair) : -1;
        Lane lane = target < 0 ? null : lanes[target];
        int done = 0;
        if (lane != null && lane.receiver.ownedByCaller()) {
            while (done < count) {
                int k = lane.receiver.deliverPlain(from, start + done, Math.min(count - done, Receiver.BURST), false);
                if (k == 0) {
                    break;
                }
                Capture capture = device.capture();
                for (int i = 0; capture != null && i < k; i++) {
                    DescriptorChain c = from[start + done + i];
                    capture.record(c, NetFeatures.HEADER, c.readableLength() - NetFeatures.HEADER, false);
                }
                done += k;
            }
        }
        for (int i = start + done; i < start + count; i++) {
            receive(from[i], from[i].readableLength() - NetFeatures.HEADER, pair);
        }
    }

    @Override
    public void publishReceived(int pair) {
        int target = targetPair(pair);
        if (target >= 0 && lanes[target].receiver.ownedByCaller()) {
            lanes[target].receiver.publishUsed();
        }
    }

    /**
     * The pair that receives a frame sent on pair: the same one if it runs and the driver uses it,
     * else the first running one from pair modulo the pairs in use; -1 if none runs.
     */
    private int targetPair(int pair) {
        int inUse = Math.min(lanes.length, device.activePairs());
        int first = pair < inUse ? pair : pair % inUse;
        for (int i = 0; i < inUse; i++) {
            int p = (first + i) % inUse;
            if (lanes[p].receiver.running()) {
                return p;
            }
        }
        return -1;
    }

    /**
     * Another worker runs the receiving pair: copy the frame (with its virtio-net header) into
     * memory of ours and let that worker deliver it. The sender's buffers go back to its driver now.
     */
    private void handOver(int target, DescriptorChain from, long frame) {
        if (handoversInFlight.incrementAndGet() > MAX_HANDOVERS) {
            handoversInFlight.decrementAndGet();
            device.drops().noBuffer.increment();
            return;
        }
        long length = NetFeatures.HEADER + frame;
        MemorySegment reused = spare.poll();
        MemorySegment copy = reused != null && reused.byteSize() >= length ? reused
                : Arena.ofAuto().allocate(Math.max(length, BUFFER_SIZE), 8);
        from.read(0, copy, 0, length);
        handovers.increment();
        device.runOnWorker(2 * target, () -> {
            handoversInFlight.decrementAndGet();
            try {
                Lane lane = lanes[target];
                if (!lane.receiver.ownedByCaller()) {
                    device.drops().noBuffer.increment();
                    return;
                }
                lane.handedOver.wrap(copy, length);
                deliver(lane, lane.handedOver, frame);
            } finally {
                spare.offer(copy);
            }
        }, () -> {
            handoversInFlight.decrementAndGet();
            device.drops().noBuffer.increment();
            spare.offer(copy);
        });
    }

    /**
     * Delivers into lane's receive queue; runs on the worker that owns it. The capture is read once
     * per frame here: frames reach a receiving port one at a time, from other ports' bursts.
     */
    private void deliver(Lane lane, DescriptorChain from, long frame) {
        Capture capture = device.capture();
        if (deliver(lane.receiver, lane.segmenter, device.drops(), from, frame) && capture != null) {
            capture.record(from, NetFeatures.HEADER, frame, false);
        }
    }

    /**
     * Delivers the frame after from's virtio-net header (checked by the sender's port, but the
     * sender's guest may have rewritten it since) into receiver, cut by segmenter when it is a large
     * frame the receiver does not take; what is not delivered is counted in drops. True when it
     * went in (for a large frame cut here: when it could be cut).
     */
    static boolean deliver(Receiver receiver, Segmenter segmenter, DropCounters drops, DescriptorChain from, long frame) {
        long w0 = from.readLong(0);
        int gsoType = (int) (w0 >>> 8) & 0xff;
        if (gsoType != 0 && !receiver.takes(gsoType)) {
            int l4 = (int) (w0 >>> 48);
            int mss = (int) (w0 >>> 32) & 0xffff;
            if (!segmenter.segment(from, frame, l4, mss, (h, hl, tx, pos, len) -> {
                int r = receiver.deliverSegment(h, hl, tx, pos, len);
                if (r <= 0) {
                    drops.noBuffer.increment();
                }
            })) {
                drops.badHeader.increment();
                return false;
            }
            return true;
        }
        int r = receiver.deliver(from, frame, false);
        if (r == Receiver.NO_ROOM) {
            drops.noBuffer.increment();
        } else if (r == Receiver.BAD_HEADER) {
            drops.badHeader.increment();
        } else if (r == Receiver.TOO_LONG) {
            drops.tooLong.increment();
        }
        return r > 0;
    }
}
