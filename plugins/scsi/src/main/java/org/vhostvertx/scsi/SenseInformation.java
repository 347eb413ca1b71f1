package org.vhostvertx.scsi;

/**
 * The INFORMATION field of fixed-format sense data (SPC-4 §4.5.3, bytes 3..6) with its VALID bit:
 * the LBA of the first block a READ or WRITE could not move, or the offset of the first byte a
 * VERIFY found different. Linux's sd uses it to complete the blocks before a medium error.
 */
final class SenseInformation {

    private SenseInformation() {
    }

    /** Sets INFORMATION to value when it fits the four bytes; otherwise leaves VALID clear. */
    static void set(CommandResult result, long value) {
        if (value < 0 || value > 0xffff_ffffL) {
            return;  // fixed format has no room; descriptor format would, but we do not offer it
        }
        result.sense[0] |= (byte) 0x80;
        BigEndian.put32(result.sense, 3, value);
    }
}
