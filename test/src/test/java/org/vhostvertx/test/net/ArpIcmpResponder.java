package org.vhostvertx.test.net;

import org.vhostvertx.net.AppPort;
import org.vhostvertx.net.FrameBurst;
import org.vhostvertx.net.NetApp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A host on an app port, built only on the net plugin's public API: it has one IPv4 address and the
 * port's MAC, answers ARP requests for the address and ICMP echo requests to it, and ignores
 * everything else. The tests' proof that an application can serve a guest through the bursts.
 */
final class ArpIcmpResponder implements NetApp {

    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    private static final int ETH = 14;

    private final byte[] ip;
    private byte[] mac;
    private FrameBurst in;
    private FrameBurst out;
    final AtomicLong arpReplies = new AtomicLong();
    final AtomicLong echoReplies = new AtomicLong();
    final AtomicLong ignored = new AtomicLong();
    final AtomicLong starts = new AtomicLong();
    final AtomicLong stops = new AtomicLong();
    /** How many pairs had stopped when the device closed, once per close. */
    final java.util.List<Long> closedAfterStops = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Answers for the IPv4 address ip (4 bytes). */
    ArpIcmpResponder(byte[] ip) {
        this.ip = ip.clone();
    }

    @Override
    public void started(AppPort port, int pair) {
        // One pair in these tests; an application with more would keep bursts per pair.
        mac = port.mac();
        in = new FrameBurst(32, port.mtu() + 18);
        out = new FrameBurst(32, port.mtu() + 18);
        starts.incrementAndGet();
    }

    @Override
    public void stopped(AppPort port, int pair) {
        stops.incrementAndGet();
    }

    @Override
    public void closed(AppPort port) {
        closedAfterStops.add(stops.get());
    }

    @Override
    public boolean poll(AppPort port, int pair) {
        int n = port.dequeueBurst(pair, in);
        int replies = 0;
        for (int i = 0; i < n; i++) {
            MemorySegment f = in.frame(i);
            int length = in.length(i);
            MemorySegment r = out.frame(replies);
            if (u16(f, 12) == 0x0806 && arpRequestForUs(f, length)) {
                answerArp(f, r);
                out.length(replies++, 42);
                arpReplies.incrementAndGet();
            } else if (u16(f, 12) == 0x0800 && echoRequestForUs(f, length)) {
                answerEcho(f, r, length);
                out.length(replies++, length);
                echoReplies.incrementAndGet();
            } else {
                ignored.incrementAndGet();
            }
        }
        // A reply that finds no receive buffer is lost, as on a wire; the guest asks again.
        port.enqueueBurst(pair, out, replies);
        return n > 0;
    }

    private boolean arpRequestForUs(MemorySegment f, int length) {
        return length >= ETH + 28 && u16(f, ETH) == 1 && u16(f, ETH + 2) == 0x0800 && u16(f, ETH + 6) == 1
                && MemorySegment.mismatch(f, ETH + 24, ETH + 28, MemorySegment.ofArray(ip), 0, 4) == -1;
    }

    private void answerArp(MemorySegment f, MemorySegment r) {
        MemorySegment.copy(f, 0, r, 0, ETH + 28);
        MemorySegment.copy(f, 6, r, 0, 6);                         // to the asker
        MemorySegment.copy(mac, 0, r, BYTE, 6, 6);                 // from us
        r.set(BYTE, ETH + 7, (byte) 2);                            // reply
        MemorySegment.copy(f, ETH + 8, r, ETH + 18, 10);           // target: the asker's MAC and IP
        MemorySegment.copy(mac, 0, r, BYTE, ETH + 8, 6);           // sender: us
        MemorySegment.copy(ip, 0, r, BYTE, ETH + 14, 4);
    }

    private boolean echoRequestForUs(MemorySegment f, int length) {
        int ihl = (f.get(BYTE, ETH) & 0x0f) * 4;
        return length >= ETH + 20 && (f.get(BYTE, ETH) & 0xf0) == 0x40 && ihl >= 20
                && f.get(BYTE, ETH + 9) == 1 && length >= ETH + ihl + 8 && u16(f, ETH + 2) <= length - ETH
                && MemorySegment.mismatch(f, ETH + 16, ETH + 20, MemorySegment.ofArray(ip), 0, 4) == -1
                && f.get(BYTE, ETH + ihl) == 8;
    }

    private void answerEcho(MemorySegment f, MemorySegment r, int length) {
        int ihl = (f.get(BYTE, ETH) & 0x0f) * 4;
        int total = u16(f, ETH + 2);
        MemorySegment.copy(f, 0, r, 0, length);
        MemorySegment.copy(f, 6, r, 0, 6);
        MemorySegment.copy(mac, 0, r, BYTE, 6, 6);
        MemorySegment.copy(f, ETH + 12, r, ETH + 16, 4);           // to the asker's address
        MemorySegment.copy(ip, 0, r, BYTE, ETH + 12, 4);           // from ours
        r.set(BYTE, ETH + 8, (byte) 64);                           // TTL
        put16(r, ETH + 10, 0);
        put16(r, ETH + 10, checksum(r, ETH, ihl));
        int icmp = ETH + ihl;
        r.set(BYTE, icmp, (byte) 0);                               // echo reply, same id, sequence, data
        put16(r, icmp + 2, 0);
        put16(r, icmp + 2, checksum(r, icmp, total - ihl));
    }

    /** The Internet checksum of length bytes at offset. */
    static int checksum(MemorySegment s, int offset, int length) {
        long sum = 0;
        for (int i = 0; i + 1 < length; i += 2) {
            sum += u16(s, offset + i);
        }
        if ((length & 1) != 0) {
            sum += (s.get(BYTE, offset + length - 1) & 0xff) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    static int u16(MemorySegment s, long at) {
        return (s.get(BYTE, at) & 0xff) << 8 | s.get(BYTE, at + 1) & 0xff;
    }

    private static void put16(MemorySegment s, long at, int v) {
        s.set(BYTE, at, (byte) (v >> 8));
        s.set(BYTE, at + 1, (byte) v);
    }
}
