package org.vhostvertx.net;

import org.vhostvertx.device.QueueHandler;
import org.vhostvertx.virtq.DescriptorChain;
import org.vhostvertx.virtq.Virtqueue;
import org.vhostvertx.worker.QueueCounters;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A port of a {@link Switch}: frames the guest transmits go to the port that owns the destination
 * MAC (learned from source addresses), or to every other port for broadcast, multicast and unknown
 * destinations. A frame a port cannot take (no receive buffer, link down, too long) is dropped and
 * counted on that port; a frame with nowhere to go counts as "no destination" on the sender.
 */
final class SwitchPort implements Port {

    private static final int BUDGET = 256;

    private final NetDevice device;
    private final Switch sw;
    private final Receiver receiver = new Receiver();
    private final DescriptorChain tx = new DescriptorChain(8);
    private final MemorySegment macs = Arena.ofAuto().allocate(16, 8);
    private final MemorySegment head = Arena.ofAuto().allocate(16, 8);
    private final Segmenter segmenter = new Segmenter();
    /** Whether the receive queue runs (read by the tap's reader thread to find the switch's worker). */
    private volatile boolean attached;

    SwitchPort(NetDevice device, Switch sw) {
        this.device = device;
        this.sw = sw;
    }

    void features(long features) {
        receiver.features(features);
    }

    NetDevice device() {
        return device;
    }

    boolean attached() {
        return attached;
    }

    QueueHandler rxHandler() {
        return new QueueHandler() {
            @Override
            public boolean process(Virtqueue queue, QueueCounters counters) {
                receiver.attach(queue, counters);
                attached = true;
                return false;
            }

            @Override
            public boolean wantsBuffers() {
                // Receive buffers wait for frames other ports send; they are no work by themselves.
                return false;
            }

            @Override
            public void stopped() {
                receiver.detach();
                attached = false;
            }
        };
    }

    QueueHandler txHandler() {
        return new QueueHandler() {
            @Override
            public boolean process(Virtqueue queue, QueueCounters counters) {
                return forward(queue, counters);
            }
        };
    }

    private static long mac(MemorySegment m, long offset) {
        long v = 0;
        for (int i = 0; i < 6; i++) {
            v = (v << 8) | (m.get(ValueLayout.JAVA_BYTE, offset + i) & 0xff);
        }
        return v;
    }

    private boolean forward(Virtqueue txq, QueueCounters counters) {
        int moved = 0;
        long now = System.nanoTime();
        while (moved < BUDGET && txq.pop(tx)) {
            moved++;
            long frame = tx.readableLength() - NetFeatures.HEADER;
            if (frame < NetFeatures.ETH_HEADER || !TxHeader.acceptable(tx, macs, device.negotiated(NetFeatures.CSUM),
                    device.negotiated(NetFeatures.HOST_TSO4), device.negotiated(NetFeatures.HOST_TSO6))) {
                device.drops().badHeader.increment();
                counters.error();
                txq.push(tx, 0);
                continue;
            }
            counters.request(frame);
            if (!device.linkUp()) {
                device.drops().linkDown.increment();
                txq.push(tx, 0);
                continue;
            }
            tx.read(NetFeatures.HEADER, macs, 0, 12);
            long dst = mac(macs, 0);
            long src = mac(macs, 6);
            sw.learn(src, this, now);
            boolean group = (dst & (1L << 40)) != 0;
            Port to = group ? null : sw.lookup(dst, now);
            if (to != null && to != this) {
                to.receive(tx, frame);
            } else if (to == null) {
                int delivered = 0;
                for (Port p : sw.ports()) {
                    if (p != this) {
                        p.receive(tx, frame);
                        delivered++;
                    }
                }
                if (delivered == 0) {
                    device.drops().noDestination.increment();
                }
            } else {
                // The destination is behind the port it came from: nothing to do on a switch.
                device.drops().noDestination.increment();
            }
            txq.push(tx, 0);
        }
        return moved > 0;
    }

    /** Floods a frame made by the device (a RARP announcement) to every other port. Runs on the switch's worker. */
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
        if (receiver.queue() == null || receiver.deliverOwn(frame, length) <= 0) {
            device.drops().noBuffer.increment();
        }
    }

    /** Takes a frame from another port (on this switch's worker). */
    @Override
    public void receive(DescriptorChain from, long frame) {
        if (!device.linkUp()) {
            device.drops().linkDown.increment();
            return;
        }
        if (receiver.queue() == null) {
            device.drops().noBuffer.increment();
            return;
        }
        from.read(0, head, 0, NetFeatures.HEADER);
        int gsoType = TxHeader.gsoType(head);
        if (gsoType != 0 && !receiver.takes(gsoType)) {
            int l4 = Short.toUnsignedInt(head.get(ValueLayout.JAVA_SHORT_UNALIGNED, 6));
            int mss = Short.toUnsignedInt(head.get(ValueLayout.JAVA_SHORT_UNALIGNED, 4));
            if (!segmenter.segment(from, frame, l4, mss, (h, hl, tx, pos, len) -> {
                int r = receiver.deliverSegment(h, hl, tx, pos, len);
                if (r <= 0) {
                    device.drops().noBuffer.increment();
                }
            })) {
                device.drops().badHeader.increment();
            }
            return;
        }
        int r = receiver.deliver(from, frame, false);
        if (r == Receiver.NO_ROOM) {
            device.drops().noBuffer.increment();
        } else if (r == Receiver.TOO_LONG) {
            device.drops().tooLong.increment();
        }
    }
}
