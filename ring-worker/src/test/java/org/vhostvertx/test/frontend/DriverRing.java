package org.vhostvertx.test.frontend;

/** The driver side of one virtqueue in our test guest's memory. Not thread-safe. */
public interface DriverRing {

    /** A buffer of a chain: where, how long, and whether the device writes it. */
    record Buf(long gpa, int len, boolean writable) {
        public static Buf in(long gpa, int len) {
            return new Buf(gpa, len, false);
        }

        public static Buf out(long gpa, int len) {
            return new Buf(gpa, len, true);
        }
    }

    /** A buffer the device returned: its id and the bytes it wrote. */
    record Used(int id, int len) {
    }

    int size();

    /** Free descriptor slots (split) or buffer ids (packed). */
    int free();

    /** Makes a chain available with direct descriptors; returns its id. */
    int add(Buf... bufs);

    /** Makes a chain available through one indirect table; returns its id. */
    int addIndirect(Buf... bufs);

    /** Whether the device asked to be kicked for what was added since the last kick. */
    boolean needsKick();

    /** The next used buffer, or null. */
    Used pollUsed();

    long descGpa();

    /** Split: the available ring; packed: the driver event suppression area. */
    long driverGpa();

    /** Split: the used ring; packed: the device event suppression area. */
    long deviceGpa();

    /** The base to send with SET_VRING_BASE for a fresh ring. */
    int initialBase();
}
