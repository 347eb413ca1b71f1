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

    private final NetDevice device;
    private final Receiver receiver = new Receiver();
    private final DescriptorChain tx = new DescriptorChain(8);
    private final java.lang.foreign.MemorySegment header = java.lang.foreign.Arena.ofAuto().allocate(16, 8);
    private Virtqueue txQueue;
    private QueueCounters txCounters;

    ReflectPair(NetDevice device) {
        this.device = device;
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
        int moved = 0;
        while (moved < BUDGET) {
            if (!device.linkUp()) {
                if (!txq.pop(tx)) {
                    break;
                }
                device.drops().linkDown.increment();
                txq.push(tx, 0);
                moved++;
                continue;
            }
            if (!receiver.hasBuffers() || !txq.pop(tx)) {
                break;
            }
            long frame = tx.readableLength() - NetFeatures.HEADER;
            if (frame < NetFeatures.ETH_HEADER || !TxHeader.acceptable(tx, header, device.negotiated(NetFeatures.CSUM))) {
                device.drops().badHeader.increment();
                txCounters.error();
                txq.push(tx, 0);
                moved++;
                continue;
            }
            int buffers = receiver.deliver(tx, frame, true);
            if (buffers == Receiver.NO_ROOM) {
                // Not enough receive room yet: leave the frame in the transmit ring for later.
                txq.rewind(tx);
                break;
            }
            if (buffers == Receiver.BAD_HEADER) {
                device.drops().badHeader.increment();
                txCounters.error();
            } else if (buffers == Receiver.TOO_LONG) {
                device.drops().tooLong.increment();
                txCounters.error();
            } else {
                txCounters.request(frame);
            }
            txq.push(tx, 0);
            moved++;
        }
        return moved > 0;
    }
}
