package org.vhostvertx.scsi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** struct virtio_scsi_config (virtio 1.2 §5.6.4), little-endian. */
final class ScsiConfigSpace {

    static final int SIZE = 36;
    static final int MAX_LUN = 16383;

    private ScsiConfigSpace() {
    }

    static byte[] encode(int requestQueues, int segMax, int maxSectors, int cmdPerLun) {
        return ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(0, requestQueues)
                .putInt(4, segMax)
                .putInt(8, maxSectors)
                .putInt(12, cmdPerLun)
                .putInt(16, ScsiEventHandler.EVENT_SIZE)
                .putInt(20, VirtioScsi.SENSE_SIZE)
                .putInt(24, VirtioScsi.CDB_SIZE)
                .putShort(28, (short) 0)     // max_channel
                .putShort(30, (short) 0)     // max_target: one target
                .putInt(32, MAX_LUN)
                .array();
    }
}
