package org.vhostvertx.net;

import org.vhostvertx.virtq.DescriptorChain;

import java.lang.foreign.MemorySegment;

/** Something a {@link Switch} forwards frames to: a guest's switch port, or the tap uplink. */
interface Port {

    /**
     * A frame from another port's transmit chain (frame bytes after the virtio-net header), sent
     * on that port's queue pair; runs on the worker of the switch's lane for that pair.
     */
    void receive(DescriptorChain from, long frame, int pair);

    /**
     * The frames of from[start, start + count), in order, each after its chain's virtio-net header,
     * sent on pair; as {@link #receive} one by one unless the port takes a burst at once.
     */
    default void receiveBurst(DescriptorChain[] from, int start, int count, int pair) {
        for (int i = start; i < start + count; i++) {
            receive(from[i], from[i].readableLength() - NetFeatures.HEADER, pair);
        }
    }

    /**
     * Makes what this port received from pair so far visible to its guest now (see
     * Virtqueue.publishUsed); the worker's round still decides on the notification.
     */
    default void publishReceived(int pair) {
    }

    /** A frame in our own memory (an announcement the device makes); runs on lane 0's worker. */
    void receiveOwn(MemorySegment frame, long length);
}
