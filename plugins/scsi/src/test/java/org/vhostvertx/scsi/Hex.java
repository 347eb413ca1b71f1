package org.vhostvertx.scsi;

import java.nio.charset.StandardCharsets;

/** Expected bytes written the way the standards' tables read: hex pairs and ASCII. */
final class Hex {

    private Hex() {
    }

    /** "00 a0 04 60" → {0x00, 0xa0, 0x04, 0x60}; spaces are only for reading. */
    static byte[] bytes(String hex) {
        String s = hex.replace(" ", "").replace("\n", "");
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    static void put(byte[] dst, int off, String hex) {
        byte[] b = bytes(hex);
        System.arraycopy(b, 0, dst, off, b.length);
    }

    static void ascii(byte[] dst, int off, String text) {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, dst, off, b.length);
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int o = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
