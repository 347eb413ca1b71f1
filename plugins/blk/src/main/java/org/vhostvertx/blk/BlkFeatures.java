package org.vhostvertx.blk;

import org.vhostvertx.device.FeatureNames;

import java.util.Map;

/** virtio-blk feature bits (virtio 1.2 §5.2.3). */
final class BlkFeatures {
    static final long SIZE_MAX = 1L << 1;
    static final long SEG_MAX = 1L << 2;
    static final long RO = 1L << 5;
    static final long BLK_SIZE = 1L << 6;
    static final long FLUSH = 1L << 9;
    static final long TOPOLOGY = 1L << 10;
    static final long CONFIG_WCE = 1L << 11;
    static final long MQ = 1L << 12;
    static final long DISCARD = 1L << 13;
    static final long WRITE_ZEROES = 1L << 14;

    /** The bits above by number, named as the specification names them without VIRTIO_BLK_F_. */
    static final Map<Integer, String> NAMES = Map.ofEntries(
            FeatureNames.entry(SIZE_MAX, "SIZE_MAX"),
            FeatureNames.entry(SEG_MAX, "SEG_MAX"),
            FeatureNames.entry(RO, "RO"),
            FeatureNames.entry(BLK_SIZE, "BLK_SIZE"),
            FeatureNames.entry(FLUSH, "FLUSH"),
            FeatureNames.entry(TOPOLOGY, "TOPOLOGY"),
            FeatureNames.entry(CONFIG_WCE, "CONFIG_WCE"),
            FeatureNames.entry(MQ, "MQ"),
            FeatureNames.entry(DISCARD, "DISCARD"),
            FeatureNames.entry(WRITE_ZEROES, "WRITE_ZEROES"));

    private BlkFeatures() {
    }
}
