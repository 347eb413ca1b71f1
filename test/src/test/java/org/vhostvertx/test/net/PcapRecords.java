package org.vhostvertx.test.net;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The frames of a pcap file as our node writes it (little-endian on this machine, Ethernet), checked for whole frames. */
public final class PcapRecords {

    private PcapRecords() {
    }

    public static List<byte[]> of(byte[] pcap) {
        ByteBuffer b = ByteBuffer.wrap(pcap).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xa1b2c3d4, b.getInt(0), "pcap magic");
        assertEquals(1, b.getInt(20), "LINKTYPE_ETHERNET");
        List<byte[]> out = new ArrayList<>();
        for (int at = 24; at < pcap.length; at += 16 + b.getInt(at + 8)) {
            assertEquals(b.getInt(at + 12), b.getInt(at + 8), "the whole frame kept");
            out.add(Arrays.copyOfRange(pcap, at + 16, at + 16 + b.getInt(at + 8)));
        }
        return out;
    }

    /** The frames' lengths. */
    public static List<Integer> lengths(byte[] pcap) {
        return of(pcap).stream().map(f -> f.length).toList();
    }
}
