package org.vhostvertx.blk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** struct virtio_blk_config (virtio 1.2 §5.2.4), little-endian, up to write_zeroes_may_unmap. */
final class BlkConfigSpace {

    static final int SIZE = 60;
    static final int WRITEBACK_OFFSET = 32;
    static final int MAX_DISCARD_SECTORS = 1 << 22;
    static final int SIZE_MAX_BYTES = 1 << 20;

    private BlkConfigSpace() {
    }

    static byte[] encode(long capacitySectors, int segMax, int blockSize, int queues, boolean writeback) {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, capacitySectors);
        b.putInt(8, SIZE_MAX_BYTES);
        b.putInt(12, segMax);
        // geometry (16..19) left zero: we do not offer VIRTIO_BLK_F_GEOMETRY
        b.putInt(20, blockSize);
        b.put(24, (byte) Integer.numberOfTrailingZeros(Math.max(1, 4096 / blockSize))); // physical_block_exp
        b.put(25, (byte) 0);                                 // alignment_offset
        b.putShort(26, (short) 1);                           // min_io_size, in blocks
        b.putInt(28, 0);                                     // opt_io_size
        b.put(WRITEBACK_OFFSET, (byte) (writeback ? 1 : 0));
        b.putShort(34, (short) queues);
        b.putInt(36, MAX_DISCARD_SECTORS);                   // max_discard_sectors
        b.putInt(40, 1);                                     // max_discard_seg
        b.putInt(44, blockSize / 512);                       // discard_sector_alignment
        b.putInt(48, MAX_DISCARD_SECTORS);                   // max_write_zeroes_sectors
        b.putInt(52, 1);                                     // max_write_zeroes_seg
        b.put(56, (byte) 1);                                 // write_zeroes_may_unmap
        return b.array();
    }
}
