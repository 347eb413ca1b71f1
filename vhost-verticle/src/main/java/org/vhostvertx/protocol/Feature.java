package org.vhostvertx.protocol;

import org.vhostvertx.device.ProtocolFeatures;

/**
 * A feature the front end must have negotiated before one of its requests is served, as the
 * description of each request in vhost-user.rst says: a vhost-user protocol feature, or one of the
 * two virtio feature bits that gate requests. {@link Request} names one per request; the dispatcher
 * checks it for every request, before anything else looks at the message.
 */
enum Feature {

    /** Needs nothing beyond a connection. */
    NONE(0, 0),
    /** VHOST_USER_F_PROTOCOL_FEATURES, virtio bit 30. */
    PROTOCOL_FEATURES(ProtocolFeatures.F_PROTOCOL_FEATURES, 0),
    /** VIRTIO_F_ACCESS_PLATFORM (IOMMU_PLATFORM in vhost-user.rst), virtio bit 33. */
    IOMMU_PLATFORM(1L << 33, 0),
    MQ(0, ProtocolFeatures.MQ),
    LOG_SHMFD(0, ProtocolFeatures.LOG_SHMFD),
    RARP(0, ProtocolFeatures.RARP),
    NET_MTU(0, ProtocolFeatures.NET_MTU),
    BACKEND_REQ(0, ProtocolFeatures.BACKEND_REQ),
    CROSS_ENDIAN(0, ProtocolFeatures.CROSS_ENDIAN),
    CRYPTO_SESSION(0, ProtocolFeatures.CRYPTO_SESSION),
    PAGEFAULT(0, ProtocolFeatures.PAGEFAULT),
    CONFIG(0, ProtocolFeatures.CONFIG),
    INFLIGHT_SHMFD(0, ProtocolFeatures.INFLIGHT_SHMFD),
    RESET_DEVICE(0, ProtocolFeatures.RESET_DEVICE),
    INBAND_NOTIFICATIONS(0, ProtocolFeatures.INBAND_NOTIFICATIONS),
    CONFIGURE_MEM_SLOTS(0, ProtocolFeatures.CONFIGURE_MEM_SLOTS),
    STATUS(0, ProtocolFeatures.STATUS),
    SHARED_OBJECT(0, ProtocolFeatures.SHARED_OBJECT),
    DEVICE_STATE(0, ProtocolFeatures.DEVICE_STATE);

    private final long virtioBit;
    private final long protocolBit;

    Feature(long virtioBit, long protocolBit) {
        this.virtioBit = virtioBit;
        this.protocolBit = protocolBit;
    }

    /** True when this feature is among these virtio and protocol features. */
    boolean in(long virtioFeatures, long protocolFeatures) {
        return (virtioFeatures & virtioBit) == virtioBit && (protocolFeatures & protocolBit) == protocolBit;
    }
}
