package org.vhostvertx.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The reply payloads of vhost-user.rst that several request families send: a u64, a vring state. */
final class Payloads {

    private Payloads() {
    }

    static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    /** A vring state description: index, num. */
    static byte[] state(int index, int num) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(index).putInt(num).array();
    }
}
