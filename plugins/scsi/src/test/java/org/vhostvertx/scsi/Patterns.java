package org.vhostvertx.scsi;

import java.util.Arrays;

/** Block contents for round trips: every byte differs by position and seed, no block repeats. */
final class Patterns {

    private Patterns() {
    }

    static byte[] blocks(int blocks, int seed) {
        byte[] b = new byte[blocks * LogicalUnit.BLOCK_SIZE];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) ((i * 0x9e37_79b1L + seed * 0x85eb_ca6bL) >>> 19);
        }
        return b;
    }

    static byte[] filled(int blocks, int value) {
        byte[] b = new byte[blocks * LogicalUnit.BLOCK_SIZE];
        Arrays.fill(b, (byte) value);
        return b;
    }

    static byte[] slice(byte[] b, int from, int to) {
        return Arrays.copyOfRange(b, from, to);
    }
}
