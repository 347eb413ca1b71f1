package org.vhostvertx.test.frontend;

import java.io.IOException;

/**
 * virtio-net: a batch sends frames from one port, all in flight at once, and checks each where it
 * arrives: back on a reflect port with its MACs swapped, or unchanged on another port of a switch.
 */
public final class NetVerifiedIo implements VerifiedIo {

    private static final int FRAME = 1000;

    private final NetPort from;
    private final NetPort to;
    private final boolean reflected;
    private final int depth;
    private final byte[] dst;

    private NetVerifiedIo(NetPort from, NetPort to, boolean reflected, int depth) {
        this.from = from;
        this.to = to;
        this.reflected = reflected;
        this.depth = depth;
        // On a reflect port the destination is any other address, so that the swap shows.
        this.dst = reflected ? new byte[]{0x02, 0, 0, 0, 0, (byte) 0xfe} : to.mac();
    }

    /** Frames out of a reflect port and back into it; depth at most the port's buffers. */
    public static NetVerifiedIo reflect(NetPort port, int depth) {
        return new NetVerifiedIo(port, port, true, depth);
    }

    /** Frames from one switch port to another's MAC; depth at most each port's buffers. */
    public static NetVerifiedIo through(NetPort from, NetPort to, int depth) {
        return new NetVerifiedIo(from, to, false, depth);
    }

    @Override
    public void batch(long seed) throws IOException {
        for (int i = 0; i < depth; i++) {
            from.send(frame(seed, i));
        }
        for (int i = 0; i < depth; i++) {
            byte[] f = frame(seed, i);
            VerifiedIo.check(reflected ? swapped(f) : f, to.receive(), "net frame " + i);
        }
    }

    private byte[] frame(long seed, int i) {
        byte[] f = VerifiedIo.pattern(seed, i, FRAME);
        System.arraycopy(dst, 0, f, 0, 6);
        System.arraycopy(from.mac(), 0, f, 6, 6);
        f[12] = (byte) 0x88; // EtherType 0x88b5, for local experiments
        f[13] = (byte) 0xb5;
        return f;
    }

    private static byte[] swapped(byte[] f) {
        byte[] s = f.clone();
        System.arraycopy(f, 6, s, 0, 6);
        System.arraycopy(f, 0, s, 6, 6);
        return s;
    }
}
