package org.vhostvertx.device;

/**
 * What a device offers the front end.
 *
 * @param virtioDeviceId virtio device id (1 net, 2 blk, 8 scsi)
 * @param features       virtio feature bits, device-specific and transport (VERSION_1, rings)
 * @param protocolFeatures vhost-user protocol features the device itself needs beyond the common
 *                       ones (CONFIG, INFLIGHT_SHMFD, RARP, NET_MTU ...)
 * @param queues         how many virtqueues the device has at most
 * @param maxQueueSize   the largest ring the device accepts
 */
public record DeviceSpec(int virtioDeviceId, long features, long protocolFeatures, int queues, int maxQueueSize) {
}
