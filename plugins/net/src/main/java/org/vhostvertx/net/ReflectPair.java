package org.vhostvertx.net;

import org.vhostvertx.device.QueueHandler;
import org.vhostvertx.virtq.DescriptorChain;
import org.vhostvertx.virtq.Virtqueue;
import org.vhostvertx.worker.QueueCounters;

/**
 * One queue pair of a reflect port: every frame the guest transmits comes back on the receive
 * queue with source and destination MAC swapped (like testpmd's macswap). Both queues are in one
 * queue group, so one worker runs both handlers and the pair needs no locks. The frame is copied
 * once, from the transmit buffer straight into the receive buffer(s).
 *
 * <p>A frame waits in the transmit ring while the guest has no receive buffer for it; nothing is
 * popped that cannot be delivered.
 */
final class ReflectPair {

    private static final int BUDGET = 256;
    /**
     * How many frames the port takes at a time; after each group it publishes the buffers it
     * returned and the ones it filled (see {@link Virtqueue#publishUsed()}). A driver such as
     * testpmd sends 32 frames at once and then waits for used buffers: handed back in groups, the
     * first frames reach it while we move the rest, so both sides work at the same time instead of
     * taking turns. Eight used entries fill one line of a split ring's used ring. (The switch
     * publishes after each whole burst: groups of 8 measured no gain there.)
     */
    static final int GROUP = 8;

    private final NetDevice device;
    private final Receiver receiver = new Receiver();
    private final DescriptorChain[] tx = new DescriptorChain[GROUP];
    private Virtqueue txQueue;
    private QueueCounters txCounters;

    ReflectPair(NetDevice device) {
        this.device = device;
        for (int i = 0; i < tx.length; i++) {
            tx[i] = new DescriptorChain(8);
        }
    }

    void features(long features) {
        receiver.features(features);
    }

    QueueHandler rxHandler() {
        return new QueueHandler() {
            @Override
            public boolean process(Virtqueue queue, QueueCounters counters) {
                receiver.attach(queue, counters);
                // New receive buffers may unblock frames waiting in the transmit ring.
                return txQueue != null && reflect(txQueue);
            }

            @Override
            public boolean wantsBuffers() {
                return txQueue != null && txQueue.hasAvailable();
            }

            @Override
            public void stopped() {
                receiver.detach();
            }
        };
    }

    QueueHandler txHandler() {
        return new QueueHandler() {
            @Override
            public boolean process(Virtqueue queue, QueueCounters counters) {
                txQueue = queue;
                txCounters = counters;
                return reflect(queue);
            }

            @Override
            public boolean wantsBuffers() {
                return receiver.hasBuffers();
            }

            @Override
            public void stopped() {
                txQueue = null;
            }
        };
    }

    /** Moves frames from the transmit ring to the receive ring; true if any moved. */
    private boolean reflect(Virtqueue txq) {
        Capture capture = device.capture();
        int moved = 0;
        while (moved < BUDGET) {
            if (!device.linkUp()) {
                if (!txq.pop(tx[0])) {
                    break;
                }
                device.drops().linkDown.increment();
                txq.push(tx[0], 0);
                moved++;
                continue;
            }
            if (!receiver.hasBuffers()) {
                break;
            }
            int n = 0;
            while (n < GROUP && txq.pop(tx[n])) {
                n++;
            }
            if (n == 0) {
                break;
            }
            // Plain frames that fit one buffer go in one burst; the others one by one.
            int k = receiver.deliverPlain(tx, n, true);
            long bytes = 0;
            for (int i = 0; i < k; i++) {
                long frame = tx[i].readableLength() - NetFeatures.HEADER;
                bytes += frame;
                if (capture != null) {
                    recordBothWays(capture, tx[i], frame);
                }
                txq.push(tx[i], 0);
            }
            if (k > 0) {
                txCounters.requests(k, bytes);
            }
            for (int i = k; i < n; i++) {
                if (!reflectOne(txq, tx[i], capture)) {
                    // Not enough receive room yet: this frame and the later ones wait in the ring.
                    for (int j = n - 1; j >= i; j--) {
                        txq.rewind(tx[j]);
                    }
                    return moved + i > 0;
                }
            }
            moved += n;
            // The transmit buffers first: a driver that finds its frames back before its transmit
            // ring has room again may drop what it sends next.
            txq.publishUsed();
            receiver.publishUsed();
        }
        return moved > 0;
    }

    /** The frame as the guest sent it, and as it comes back (MACs swapped). */
    private static void recordBothWays(Capture capture, DescriptorChain chain, long frame) {
        capture.record(chain, NetFeatures.HEADER, frame, false);
        capture.record(chain, NetFeatures.HEADER, frame, true);
    }

    /** Reflects one popped frame; false (nothing done) when the receive ring is short of room. */
    private boolean reflectOne(Virtqueue txq, DescriptorChain chain, Capture capture) {
        long frame = chain.readableLength() - NetFeatures.HEADER;
        if (frame < NetFeatures.ETH_HEADER || !TxHeader.acceptable(chain, device.negotiated(NetFeatures.CSUM))) {
            device.drops().badHeader.increment();
            txCounters.error();
            txq.push(chain, 0);
            return true;
        }
        int buffers = receiver.deliver(chain, frame, true);
        if (buffers == Receiver.NO_ROOM) {
            return false;
        }
        if (buffers == Receiver.BAD_HEADER) {
            device.drops().badHeader.increment();
            txCounters.error();
        } else if (buffers == Receiver.TOO_LONG) {
            device.drops().tooLong.increment();
            txCounters.error();
        } else {
            txCounters.request(frame);
            if (capture != null) {
                recordBothWays(capture, chain, frame);
            }
        }
        txq.push(chain, 0);
        return true;
    }
}
