package org.vhostvertx.net;

import org.vhostvertx.device.DeviceException;

import java.nio.ByteBuffer;

/**
 * The RARP announcement a front end asks for after a guest moved (SEND_RARP): a broadcast
 * "reverse request" from the guest's MAC, so switches learn where it is now.
 */
final class Rarp {

    static final int ETHERTYPE = 0x8035;
    static final int LENGTH = 60;

    private Rarp() {
    }

    static byte[] announcement(byte[] mac) {
        if (mac.length != 6) {
            throw new DeviceException("SEND_RARP needs a 6-byte MAC");
        }
        ByteBuffer b = ByteBuffer.allocate(LENGTH);
        b.put(new byte[]{-1, -1, -1, -1, -1, -1}).put(mac).putShort((short) ETHERTYPE);
        b.putShort((short) 1)            // hardware type: Ethernet
                .putShort((short) 0x0800) // protocol type: IPv4
                .put((byte) 6).put((byte) 4)
                .putShort((short) 3)      // operation: reverse request
                .put(mac).putInt(0)       // sender hardware and protocol address
                .put(mac).putInt(0);      // target hardware and protocol address
        return b.array();
    }
}
