package org.vhostvertx.test.frontend;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The guest's side of a virtio-net port on one of our front ends (queues 0 receive, 1 transmit, 2
 * control): receive buffers that are posted again once read, and transmit buffers reused once the
 * device returns them, so a port can carry frames for as long as a test likes.
 */
public final class NetPort {

    /** The virtio-net header with VERSION_1: 12 bytes, all zero for a plain frame. */
    public static final int HDR = 12;
    private static final int BUF = 2048;

    private final FrontEnd fe;
    private final GuestRam ram;
    private final byte[] mac;
    private final Map<Integer, Long> rxPosted = new HashMap<>();
    private final Map<Integer, Long> txInFlight = new HashMap<>();
    private final ArrayDeque<Long> txFree = new ArrayDeque<>();

    /** Posts that many receive buffers and sets aside as many transmit buffers; mac is the guest's address. */
    public NetPort(FrontEnd fe, byte[] mac, int buffers) {
        this.fe = fe;
        this.ram = fe.ram();
        this.mac = mac.clone();
        long rx = ram.alloc((long) BUF * buffers, 4096);
        long tx = ram.alloc((long) BUF * buffers, 4096);
        for (int i = 0; i < buffers; i++) {
            post(rx + (long) BUF * i);
            txFree.add(tx + (long) BUF * i);
        }
        fe.queue(0).kickIfNeeded();
    }

    public byte[] mac() {
        return mac.clone();
    }

    private void post(long gpa) {
        rxPosted.put(fe.queue(0).ring.add(DriverRing.Buf.out(gpa, BUF)), gpa);
    }

    /** Sends frame (at most 2036 bytes) with a plain header. */
    public void send(byte[] frame) throws IOException {
        FrontEnd.Queue tx = fe.queue(1);
        DriverRing.Used done;
        while ((done = tx.ring.pollUsed()) != null) {
            txFree.add(txInFlight.remove(done.id()));
        }
        if (txFree.isEmpty()) {
            done = tx.awaitUsed(20_000);
            txFree.add(txInFlight.remove(done.id()));
        }
        long gpa = txFree.poll();
        ram.write(gpa, new byte[HDR]);
        ram.write(gpa + HDR, frame);
        txInFlight.put(tx.ring.add(DriverRing.Buf.in(gpa, HDR + frame.length)), gpa);
        tx.kickIfNeeded();
    }

    /**
     * The next frame received, its buffer posted again. Every frame sent here fits one buffer; one
     * that came in several would come back short, and its check fails.
     */
    public byte[] receive() throws IOException {
        FrontEnd.Queue rx = fe.queue(0);
        DriverRing.Used u = rx.awaitUsed(20_000);
        Long gpa = rxPosted.remove(u.id());
        if (gpa == null) {
            throw new IOException("net: receive buffer " + u.id() + " returned, which was not posted");
        }
        byte[] frame = ram.read(gpa + HDR, u.len() - HDR);
        post(gpa);
        rx.kickIfNeeded();
        return frame;
    }
}
