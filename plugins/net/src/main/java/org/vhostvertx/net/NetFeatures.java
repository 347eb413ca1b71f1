package org.vhostvertx.net;

import org.vhostvertx.device.FeatureNames;

import java.util.Map;

/** virtio-net feature bits (virtio 1.2 §5.1.3) and control-queue constants (§5.1.6.5). */
final class NetFeatures {
    static final long CSUM = 1L << 0;
    static final long GUEST_CSUM = 1L << 1;
    static final long MTU = 1L << 3;
    static final long GUEST_TSO4 = 1L << 7;
    static final long GUEST_TSO6 = 1L << 8;
    static final long HOST_TSO4 = 1L << 11;
    static final long HOST_TSO6 = 1L << 12;
    static final long MAC = 1L << 5;
    static final long MRG_RXBUF = 1L << 15;
    static final long STATUS = 1L << 16;
    static final long CTRL_VQ = 1L << 17;
    static final long F_CTRL_RX = 1L << 18;
    static final long MQ = 1L << 22;

    /** The bits above by number, named as the specification names them without VIRTIO_NET_F_. */
    static final Map<Integer, String> NAMES = Map.ofEntries(
            FeatureNames.entry(CSUM, "CSUM"),
            FeatureNames.entry(GUEST_CSUM, "GUEST_CSUM"),
            FeatureNames.entry(MTU, "MTU"),
            FeatureNames.entry(MAC, "MAC"),
            FeatureNames.entry(GUEST_TSO4, "GUEST_TSO4"),
            FeatureNames.entry(GUEST_TSO6, "GUEST_TSO6"),
            FeatureNames.entry(HOST_TSO4, "HOST_TSO4"),
            FeatureNames.entry(HOST_TSO6, "HOST_TSO6"),
            FeatureNames.entry(MRG_RXBUF, "MRG_RXBUF"),
            FeatureNames.entry(STATUS, "STATUS"),
            FeatureNames.entry(CTRL_VQ, "CTRL_VQ"),
            FeatureNames.entry(F_CTRL_RX, "CTRL_RX"),
            FeatureNames.entry(MQ, "MQ"));

    static final int DEVICE_ID = 1;
    /** struct virtio_net_hdr with num_buffers: its size whenever VERSION_1 is negotiated. */
    static final int HEADER = 12;
    static final int ETH_HEADER = 14;
    static final int S_LINK_UP = 1;

    static final int CTRL_OK = 0;
    static final int CTRL_ERR = 1;
    static final int CTRL_RX = 0;
    static final int CTRL_MAC = 1;
    static final int CTRL_VLAN = 2;
    static final int CTRL_ANNOUNCE = 3;
    static final int CTRL_MQ = 4;
    static final int CTRL_MQ_VQ_PAIRS_SET = 0;

    private NetFeatures() {
    }
}
