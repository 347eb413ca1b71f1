package org.vhostvertx.device;

import org.vhostvertx.virtq.Virtqueue;

/**
 * What a device offers the front end.
 *
 * @param virtioDeviceId virtio device id (1 net, 2 blk, 8 scsi)
 * @param features       virtio feature bits, device-specific and transport (VERSION_1, rings)
 * @param protocolFeatures vhost-user protocol features the device itself needs beyond the common
 *                       ones (CONFIG, INFLIGHT_SHMFD, RARP, NET_MTU ...)
 * @param queues         how many virtqueues the device has at most
 * @param maxQueueSize   the largest ring the device accepts
 * @param maxChain       the most descriptors one buffer may have, direct and indirect ones together,
 *                       as the device's own config fields promise the driver (blk and scsi:
 *                       seg_max + 2); 0 when the device offers no such field, so the queue size
 *                       limits a chain (virtio 1.2 §2.7.5.3.1, the same rule for both ring layouts)
 * @param withheld       virtio feature bits not offered although the device or the framework has
 *                       them: the operator's "disableFeatures" ({@link FeatureMask})
 */
public record DeviceSpec(int virtioDeviceId, long features, long protocolFeatures, int queues, int maxQueueSize,
                         int maxChain, long withheld) {

    /**
     * The transport features the framework offers for every device besides the device's own:
     * VERSION_1, both ring layouts' options, vhost-user's PROTOCOL_FEATURES and vhost's LOG_ALL.
     */
    public static final long TRANSPORT = (1L << 32) /* VERSION_1 */ | Virtqueue.F_RING_PACKED
            | Virtqueue.F_EVENT_IDX | Virtqueue.F_INDIRECT_DESC | ProtocolFeatures.F_PROTOCOL_FEATURES
            | ProtocolFeatures.F_LOG_ALL;

    public DeviceSpec {
        if (maxChain < 0) {
            throw new IllegalArgumentException("maxChain " + maxChain + " is negative");
        }
    }

    public DeviceSpec(int virtioDeviceId, long features, long protocolFeatures, int queues, int maxQueueSize,
                      int maxChain) {
        this(virtioDeviceId, features, protocolFeatures, queues, maxQueueSize, maxChain, 0);
    }

    /** A device that offers no chain limit of its own: the queue size limits a chain. */
    public DeviceSpec(int virtioDeviceId, long features, long protocolFeatures, int queues, int maxQueueSize) {
        this(virtioDeviceId, features, protocolFeatures, queues, maxQueueSize, 0, 0);
    }

    /** The virtio features the front end is offered: the device's and the transport's, less the withheld. */
    public long offered() {
        return (features | TRANSPORT) & ~withheld;
    }

    /** This spec with these feature bits withheld as well. */
    public DeviceSpec withholding(long mask) {
        return new DeviceSpec(virtioDeviceId, features, protocolFeatures, queues, maxQueueSize, maxChain,
                withheld | mask);
    }

    /** The most descriptors a chain may have on a queue of queueSize. */
    public int chainLimit(int queueSize) {
        return maxChain == 0 ? queueSize : maxChain;
    }
}
