package org.vhostvertx.net;

import org.vhostvertx.test.frontend.DriverRing;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.virtq.DescriptorChain;

import java.util.UUID;

/**
 * Not a test: what a net port costs per 64-byte frame on one thread, with the drivers' rings in
 * the same thread's cache, so no other CPU and no virtual CPU placement blurs it (what
 * {@code bin/bench net} and {@code bin/bench vm2vm} cannot show on a shared two-core machine).
 * Bursts of 32 frames, as testpmd sends them, IN_ORDER and MRG_RXBUF negotiated (see PortRings);
 * only the device's calls are timed. Modes: "reflect" (the default), a reflect port; "ring", only
 * taking and returning a reflect port's transmit buffers; "switch", a switch port sending to an
 * address nobody owns, so every frame goes to the switch's only other port (as testpmd's io
 * forwarding does in {@code bin/bench vm2vm}). Run:
 * <pre>
 * mvn -q -o test-compile -pl plugins/net
 * mvn -q -o dependency:build-classpath -pl plugins/net -Dmdep.includeScope=test -Dmdep.outputFile=/tmp/net.cp
 * taskset -c 1 java --enable-native-access=ALL-UNNAMED \
 *     -cp plugins/net/target/test-classes:plugins/net/target/classes:$(cat /tmp/net.cp) \
 *     org.vhostvertx.net.PortCostProbe split|packed [reflect|ring|switch]
 * </pre>
 */
public final class PortCostProbe {

    private static final int SIZE = 1024;
    private static final int BURST = 32;
    private static final int FRAME = NetFeatures.HEADER + 64;
    private static final int ROUNDS = 3_000_000;
    private static final int WARM_UP = 500_000;
    private static final byte[] SENDER = {0x52, 0x54, 0, 0, 0, 0x0a};
    private static final byte[] NOBODY = {0x02, 0, 0, 0, 0, 0x01};

    public static void main(String[] args) throws Exception {
        boolean packed = args.length > 0 && args[0].equals("packed");
        String mode = args.length > 1 ? args[1] : "reflect";
        boolean ringOnly = mode.equals("ring");
        PortRings sender;
        PortRings receiver;
        if (mode.equals("switch")) {
            Switch sw = Switch.named("probe-" + UUID.randomUUID());
            sender = new PortRings(packed, SIZE, 64 << 20, sw, SENDER);
            receiver = new PortRings(packed, SIZE, 64 << 20, sw, new byte[]{0x52, 0x54, 0, 0, 0, 0x0b});
        } else if (mode.equals("reflect") || ringOnly) {
            sender = new PortRings(packed, SIZE, 64 << 20);
            receiver = sender;
        } else {
            throw new IllegalArgumentException("mode " + mode + ": reflect, ring or switch");
        }
        GuestRam ram = sender.ram;
        long frames = ram.alloc((long) FRAME * SIZE, 64);
        for (int i = 0; i < SIZE; i++) {
            byte[] f = new byte[FRAME];
            for (int k = NetFeatures.HEADER; k < FRAME; k++) {
                f[k] = (byte) (i + k);
            }
            System.arraycopy(NOBODY, 0, f, NetFeatures.HEADER, 6);
            System.arraycopy(SENDER, 0, f, NetFeatures.HEADER + 6, 6);
            ram.write(frames + (long) FRAME * i, f);
        }
        DriverRing rx = receiver.rx;
        long rxBuffers = receiver.ram.alloc(2048L * SIZE, 64);
        for (int i = 0; i < SIZE; i++) {
            rx.add(DriverRing.Buf.out(rxBuffers + 2048L * i, 2048));
        }
        DescriptorChain[] chains = new DescriptorChain[BURST];
        for (int i = 0; i < BURST; i++) {
            chains[i] = new DescriptorChain(8);
        }
        // A receive handler makes its port's receiver take this thread's receive queue.
        sender.rxHandler.process(sender.rxq, sender.counters);
        receiver.rxHandler.process(receiver.rxq, receiver.counters);
        DriverRing tx = sender.tx;
        int nextTx = 0;
        int nextRx = 0;
        long nanos = 0;
        long timed = 0;
        for (int round = 0; round < ROUNDS; round++) {
            for (int i = 0; i < BURST; i++) {
                tx.add(DriverRing.Buf.in(frames + (long) FRAME * nextTx, FRAME));
                nextTx = (nextTx + 1) % SIZE;
            }
            long t0 = System.nanoTime();
            if (ringOnly) {
                for (int i = 0; i < BURST; i++) {
                    sender.txq.pop(chains[i]);
                }
                for (int i = 0; i < BURST; i++) {
                    sender.txq.push(chains[i], 0);
                }
            } else {
                sender.txHandler.process(sender.txq, sender.counters);
            }
            receiver.rxq.publish();
            sender.txq.publish();
            long t1 = System.nanoTime();
            if (round >= WARM_UP) {
                nanos += t1 - t0;
                timed += BURST;
            }
            int returned = 0;
            while (tx.pollUsed() != null) {
                returned++;
            }
            int received = 0;
            while (rx.pollUsed() != null) {
                rx.add(DriverRing.Buf.out(rxBuffers + 2048L * nextRx, 2048));
                nextRx = (nextRx + 1) % SIZE;
                received++;
            }
            if (returned != BURST || received != (ringOnly ? 0 : BURST)) {
                throw new IllegalStateException("round " + round + ": " + returned + " of " + BURST
                        + " transmit buffers returned, " + received + " frames received");
            }
        }
        System.out.printf("%s %s: %.1f ns per frame (%d frames timed)%n", packed ? "packed" : "split", mode,
                (double) nanos / timed, timed);
    }
}
