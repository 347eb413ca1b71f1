package org.vhostvertx.net;

import org.vhostvertx.device.QueueHandler;
import org.vhostvertx.virtq.DescriptorChain;
import org.vhostvertx.virtq.Virtqueue;
import org.vhostvertx.worker.QueueCounters;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

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
    private final DescriptorChain tx = new DescriptorChain(8);
    private final DescriptorChain[] rx = new DescriptorChain[64];
    private final MemorySegment header = Arena.ofAuto().allocate(NetFeatures.HEADER + 12, 8);
    private volatile boolean mergeable;
    private Virtqueue rxQueue;
    private Virtqueue txQueue;
    private QueueCounters rxCounters;
    private QueueCounters txCounters;

    ReflectPair(NetDevice device) {
        this.device = device;
        for (int i = 0; i < rx.length; i++) {
            rx[i] = new DescriptorChain(4);
        }
    }

    void features(long features) {
        mergeable = (features & NetFeatures.MRG_RXBUF) != 0;
    }

    QueueHandler rxHandler() {
        return new QueueHandler() {
            @Override
            public boolean process(Virtqueue queue, QueueCounters counters) {
                rxQueue = queue;
                rxCounters = counters;
                // New receive buffers may unblock frames waiting in the transmit ring.
                return txQueue != null && reflect(txQueue);
            }

            @Override
            public boolean wantsBuffers() {
                return txQueue != null && txQueue.hasAvailable();
            }

            @Override
            public void stopped() {
                rxQueue = null;
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
                return rxQueue != null && rxQueue.hasAvailable();
            }

            @Override
            public void stopped() {
                txQueue = null;
            }
        };
    }

    /** Moves frames from the transmit ring to the receive ring; true if any moved. */
    private boolean reflect(Virtqueue txq) {
        Virtqueue rxq = rxQueue;
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
            if (rxq == null || !rxq.hasAvailable() || !txq.pop(tx)) {
                break;
            }
            long frame = tx.readableLength() - NetFeatures.HEADER;
            if (frame < NetFeatures.ETH_HEADER) {
                device.drops().badHeader.increment();
                count(txCounters, 0, true);
                txq.push(tx, 0);
                moved++;
                continue;
            }
            int buffers = fill(rxq, frame);
            if (buffers < 0) {
                // Not enough receive room yet: leave the frame in the transmit ring for later.
                txq.rewind(tx);
                break;
            }
            if (buffers == 0) {
                device.drops().tooLong.increment();
                count(txCounters, 0, true);
                txq.push(tx, 0);
                moved++;
                continue;
            }
            deliver(rxq, buffers, frame);
            txq.push(tx, 0);
            count(txCounters, frame, false);
            count(rxCounters, frame, false);
            moved++;
        }
        return moved > 0;
    }

    private static void count(QueueCounters c, long bytes, boolean error) {
        if (c != null) {
            if (error) {
                c.error();
            } else {
                c.request(bytes);
            }
        }
    }

    /**
     * Pops receive buffers for a frame: 1 without mergeable buffers (0 if it does not fit), as many
     * as needed with them; -1 (nothing kept) when the ring has too few now.
     */
    private int fill(Virtqueue rxq, long frame) {
        long need = NetFeatures.HEADER + frame;
        long room = 0;
        int n = 0;
        while (room < need) {
            if (n == rx.length || !rxq.pop(rx[n])) {
                for (int i = n - 1; i >= 0; i--) {
                    rxq.rewind(rx[i]);
                }
                return n == rx.length ? 0 : -1;
            }
            room += rx[n].writableLength();
            n++;
            if (!mergeable && room < need) {
                // One buffer per frame without MRG_RXBUF: this frame can never fit.
                rxq.rewind(rx[0]);
                return 0;
            }
        }
        return n;
    }

    /** Writes the header and the frame (MACs swapped) into the popped receive buffers, and returns them. */
    private void deliver(Virtqueue rxq, int buffers, long frame) {
        // The virtio-net header: no offloads, num_buffers at offset 10.
        header.fill((byte) 0);
        header.set(ValueLayout.JAVA_SHORT_UNALIGNED, 10, (short) buffers);
        // destination <- source, source <- destination
        tx.read(NetFeatures.HEADER + 6, header, NetFeatures.HEADER, 6);
        tx.read(NetFeatures.HEADER, header, NetFeatures.HEADER + 6, 6);
        long total = NetFeatures.HEADER + frame;
        long written = 0;
        for (int i = 0; i < buffers; i++) {
            DescriptorChain b = rx[i];
            long len = Math.min(b.writableLength(), total - written);
            long pos = 0;
            // The first 24 bytes of the stream (header + swapped MACs) come from our scratch.
            if (written < NetFeatures.HEADER + 12) {
                long n = Math.min(len, NetFeatures.HEADER + 12 - written);
                b.write(0, header, written, n);
                pos = n;
            }
            if (pos < len) {
                tx.copyTo(b, written + pos, pos, len - pos);
            }
            written += len;
            rxq.push(b, (int) len);
        }
    }
}
