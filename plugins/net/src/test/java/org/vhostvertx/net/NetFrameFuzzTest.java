package org.vhostvertx.net;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.vhostvertx.memory.GuestMemory;
import org.vhostvertx.memory.MemoryRegion;
import org.vhostvertx.test.frontend.DriverRing.Buf;
import org.vhostvertx.test.frontend.DriverRing.Used;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.test.frontend.SplitDriverRing;
import org.vhostvertx.virtq.DescriptorChain;
import org.vhostvertx.virtq.Virtqueue;
import org.vhostvertx.virtq.VringAddresses;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A transmitted frame, header and all chosen by the fuzzer, through the checks and the receive
 * path of a port: held in our memory and read through {@link DescriptorChain#wrap} (as a handed-over
 * or tap frame is), checked by {@link TxHeader#acceptable} as the sending port does, possibly
 * rewritten by the sender's guest after that check (the receive side reads the header again), then
 * delivered as a reflect port does ({@link Receiver#deliverPlain}, then {@link Receiver#deliver} with
 * the MACs swapped) or as a switch port does ({@link SwitchPort#deliver}: the frame as it is, or cut
 * by {@link Segmenter} for a receiver that does not take large frames) into receive buffers of
 * fuzzed sizes on a split ring in test guest memory.
 *
 * <p>Properties: only the documented outcomes, no exception (a delivery that cannot happen is a
 * counted drop); an accepted header asks for nothing the port did not negotiate, and its checksum
 * range and segment size lie inside the frame; no receive buffer is reported filled beyond its
 * size; a frame delivered whole fills header plus frame bytes, with the frame's bytes after the
 * MACs as they were sent (but for a completed checksum). A segmentation that does not end shows
 * as a campaign's timeout.
 *
 * <p>In a plain build this replays the inputs under
 * {@code src/test/resources/org/vhostvertx/net/NetFrameFuzzTestInputs/deliver}; {@code bin/fuzz net}
 * runs a campaign.
 */
class NetFrameFuzzTest {

    private static final int HDR = NetFeatures.HEADER;
    private static final int MAX_FRAME = 65535 + NetFeatures.ETH_HEADER + 4;
    private static final int RING = 64;
    private static final GuestRam RAM = new GuestRam(0, 1 << 20);
    private static final GuestMemory MEMORY;
    private static final MemorySegment TX = Arena.ofAuto().allocate(HDR + MAX_FRAME, 8);

    static {
        GuestRam.Region r = RAM.regions().getFirst();
        MEMORY = GuestMemory.of(List.of(MemoryRegion.map(r.gpa(), r.size(), r.uva(), 0, r.fd())));
    }

    @FuzzTest(maxDuration = "60s")
    void deliver(FuzzedDataProvider data) {
        boolean reflect = data.consumeBoolean();
        boolean csum = data.consumeBoolean();
        boolean tso4 = !reflect && data.consumeBoolean();
        boolean tso6 = !reflect && data.consumeBoolean();
        long rxFeatures = (data.consumeBoolean() ? NetFeatures.MRG_RXBUF : 0)
                | (data.consumeBoolean() ? NetFeatures.GUEST_CSUM : 0)
                | (data.consumeBoolean() ? NetFeatures.GUEST_TSO4 : 0)
                | (data.consumeBoolean() ? NetFeatures.GUEST_TSO6 : 0);
        boolean rewrite = data.consumeBoolean();
        byte[] rewritten = data.consumeBytes(HDR);

        // The receive ring and the guest's buffers.
        RAM.allocFrom(0);
        RAM.at(0, 32 * 1024).fill((byte) 0);  // the rings and indirect tables the driver ring puts first
        SplitDriverRing driver = new SplitDriverRing(RAM, RING, false);
        Map<Integer, Integer> bufferSizes = new HashMap<>();
        Map<Integer, Long> writableAt = new HashMap<>();
        int buffers = data.consumeInt(0, RING);
        long room = RAM.end() - RAM.alloc(0, 1);
        for (int i = 0; i < buffers; i++) {
            int size = data.consumeInt(0, 70_000);
            if (size > room - 4096 || driver.free() < 2) {
                break;
            }
            long gpa = RAM.alloc(Math.max(size, 1), 8);
            room = RAM.end() - gpa - size;
            // Now and then a chain with a readable buffer in front, which a driver should not give.
            boolean readableFront = size > 16 && data.consumeInt(0, 15) == 0;
            int id = readableFront ? driver.add(Buf.in(gpa, 16), Buf.out(gpa + 16, size - 16))
                    : driver.add(Buf.out(gpa, size));
            bufferSizes.put(id, readableFront ? size - 16 : size);
            writableAt.put(id, readableFront ? gpa + 16 : gpa);
        }
        Virtqueue rxq = Virtqueue.create(MEMORY, RING, new VringAddresses(RAM.uva(driver.descGpa()),
                RAM.uva(driver.driverGpa()), RAM.uva(driver.deviceGpa()), 0, 0), 0, driver.initialBase());
        Receiver receiver = new Receiver();
        receiver.features(rxFeatures);
        receiver.attach(rxq, null);

        // The frame: the fuzzer's bytes, then zeros up to its length (large frames cost no input).
        int length = data.consumeInt(0, HDR + MAX_FRAME);
        byte[] sent = data.consumeRemainingAsBytes();
        TX.asSlice(0, length).fill((byte) 0);
        MemorySegment.copy(sent, 0, TX, ValueLayout.JAVA_BYTE, 0, Math.min(sent.length, length));
        byte[] original = TX.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
        DescriptorChain tx = new DescriptorChain();
        tx.wrap(TX, length);
        long frame = length - HDR;

        Delivered whole = null;
        if (reflect && receiver.deliverPlain(new DescriptorChain[]{tx}, 1, true) == 1) {
            whole = new Delivered(false);
        } else {
            if (frame < NetFeatures.ETH_HEADER || !TxHeader.acceptable(tx, csum, tso4, tso6)) {
                return;  // a bad header: dropped and counted by the port
            }
            checkAccepted(frame, csum, tso4, tso6);
            if (rewrite) {
                MemorySegment.copy(rewritten, 0, TX, ValueLayout.JAVA_BYTE, 0, rewritten.length);
            }
            long w0 = TX.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
            boolean partial = (w0 & TxHeader.F_NEEDS_CSUM) != 0;
            boolean completed = partial && (rxFeatures & NetFeatures.GUEST_CSUM) == 0;
            if (reflect) {
                int n = receiver.deliver(tx, frame, true);
                assertTrue(n >= Receiver.BAD_HEADER && n <= 64, "deliver returned " + n);
                whole = n > 0 ? new Delivered(completed) : null;
            } else {
                int gsoType = (int) (w0 >>> 8) & 0xff;
                boolean segmented = gsoType != 0 && !receiver.takes(gsoType);
                SwitchPort.deliver(receiver, new Segmenter(), new DropCounters(), tx, frame);
                whole = segmented ? null : new Delivered(completed);
            }
        }
        rxq.publish();
        checkUsed(driver, bufferSizes, writableAt, whole, original, frame);
    }

    /** How a frame delivered whole reached the receive buffers. */
    private record Delivered(boolean checksumCompleted) {
    }

    /** What TxHeader accepted, read again from the header (TX, not yet rewritten): inside the frame and negotiated. */
    private static void checkAccepted(long frame, boolean csum, boolean tso4, boolean tso6) {
        int flags = TX.get(ValueLayout.JAVA_BYTE, 0) & 0xff;
        int gsoType = TX.get(ValueLayout.JAVA_BYTE, 1) & 0xff;
        int gsoSize = Short.toUnsignedInt(TX.get(ValueLayout.JAVA_SHORT_UNALIGNED, 4));
        int start = Short.toUnsignedInt(TX.get(ValueLayout.JAVA_SHORT_UNALIGNED, 6));
        int offset = Short.toUnsignedInt(TX.get(ValueLayout.JAVA_SHORT_UNALIGNED, 8));
        assertEquals(0, flags & ~TxHeader.F_NEEDS_CSUM, "flags");
        if ((flags & TxHeader.F_NEEDS_CSUM) != 0) {
            assertTrue(csum, "a partial checksum without CSUM");
            assertTrue(start >= NetFeatures.ETH_HEADER && (long) start + offset + 2 <= frame,
                    "checksum at " + start + "+" + offset + " in a frame of " + frame);
        }
        if (gsoType != 0) {
            assertTrue(gsoType == TxHeader.GSO_TCPV4 ? tso4 : gsoType == TxHeader.GSO_TCPV6 && tso6, "gso " + gsoType);
            assertTrue((flags & TxHeader.F_NEEDS_CSUM) != 0 && offset == 16 && gsoSize >= 8, "large frame header");
        }
    }

    /** The used entries: none beyond its buffer; a whole frame as it was sent. */
    private static void checkUsed(SplitDriverRing driver, Map<Integer, Integer> sizes, Map<Integer, Long> writableAt,
                                  Delivered whole, byte[] original, long frame) {
        long total = 0;
        int entries = 0;
        int lastId = -1;
        Used u;
        while ((u = driver.pollUsed()) != null) {
            Integer size = sizes.get(u.id());
            assertTrue(size != null, "used id " + u.id() + " was never made available");
            assertTrue(u.len() >= 0 && u.len() <= size, u.len() + " bytes used of a buffer of " + size);
            total += u.len();
            entries++;
            lastId = u.id();
        }
        if (whole != null && entries > 0) {
            assertEquals(HDR + frame, total, "a whole frame's bytes");
            if (entries == 1 && !whole.checksumCompleted()) {
                // After the header and the MACs (rebuilt, maybe swapped), the bytes as they were sent.
                int from = HDR + 12;
                int n = (int) (HDR + frame) - from;
                if (n > 0) {
                    byte[] got = RAM.read(writableAt.get(lastId) + from, n);
                    assertTrue(java.util.Arrays.equals(original, from, from + n, got, 0, n), "frame bytes changed");
                }
            }
        }
    }
}
