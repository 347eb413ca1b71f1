package org.vhostvertx.net;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** struct virtio_net_config (virtio 1.2 §5.1.4): mac, status, max_virtqueue_pairs, mtu, speed, duplex. */
final class NetConfigSpace {

    static final int SIZE = 24;

    private NetConfigSpace() {
    }

    static byte[] encode(byte[] mac, int status, int pairs, int mtu) {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, mac);
        b.putShort(6, (short) status);
        b.putShort(8, (short) pairs);
        b.putShort(10, (short) mtu);
        b.putInt(12, 10_000);      // speed in Mb/s (advisory)
        b.put(16, (byte) 0x01);    // full duplex
        return b.array();
    }
}
