package org.vhostvertx.scsi;

/**
 * ASCII fields of INQUIRY data and VPD pages (SPC-4 §4.3.1): graphic characters 20h..7Eh only,
 * left aligned, padded with spaces. Configured strings are cleaned here so that a stray byte
 * in a configuration file cannot corrupt what the initiator parses.
 */
final class AsciiField {

    private AsciiField() {
    }

    /** Writes s into width bytes at off: cut to width, padded with spaces. */
    static void put(byte[] dst, int off, int width, String s) {
        String v = s == null ? "" : s;
        for (int i = 0; i < width; i++) {
            dst[off + i] = i < v.length() ? graphic(v.charAt(i)) : (byte) ' ';
        }
    }

    /** s as ASCII bytes, at most max of them, with no padding. */
    static byte[] bytes(String s, int max) {
        String v = s == null ? "" : s;
        byte[] b = new byte[Math.min(v.length(), max)];
        for (int i = 0; i < b.length; i++) {
            b[i] = graphic(v.charAt(i));
        }
        return b;
    }

    /** A character outside 20h..7Eh becomes '_' rather than vanishing, so lengths stay put. */
    private static byte graphic(char c) {
        return c >= 0x20 && c <= 0x7e ? (byte) c : (byte) '_';
    }
}
