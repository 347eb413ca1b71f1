package org.vhostvertx.blk;

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

    private BlkFeatures() {
    }
}
