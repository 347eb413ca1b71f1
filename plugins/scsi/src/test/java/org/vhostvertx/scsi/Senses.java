package org.vhostvertx.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Assertions on status and fixed-format sense data (SPC-4 §4.5.3): response code (byte 0),
 * sense key (2), additional sense length (7), ASC/ASCQ (12, 13) and the sense-key specific
 * bytes (15..17), every one exactly.
 */
final class Senses {

    private Senses() {
    }

    static void assertGood(CommandResult r) {
        assertEquals(CommandResult.GOOD, r.status, () -> "expected GOOD, got sense " + describe(r));
        assertEquals(0, r.senseLength);
    }

    /** CHECK CONDITION with key/asc/ascq, no INFORMATION and no sense-key specific bytes. */
    static void assertSense(CommandResult r, int key, int asc, int ascq) {
        assertSenseHeader(r, 0x70, key, asc, ascq);
        assertSksv(r, 0, 0, 0);
    }

    /** As assertSense, with VALID set and INFORMATION (bytes 3..6) = information. */
    static void assertSenseWithInformation(CommandResult r, int key, int asc, int ascq, long information) {
        assertSenseHeader(r, 0xf0, key, asc, ascq);
        long info = BigEndian.u32(r.sense, 3);
        assertEquals(information, info, "INFORMATION");
        assertSksv(r, 0, 0, 0);
    }

    /** ILLEGAL REQUEST, INVALID FIELD IN CDB with the field pointer at byteIndex/bit (bit -1: none). */
    static void assertInvalidCdb(CommandResult r, int byteIndex, int bit) {
        assertSenseHeader(r, 0x70, SenseKeys.ILLEGAL_REQUEST, 0x24, 0x00);
        assertSksv(r, 0xc0 | (bit >= 0 ? 0x08 | bit : 0), byteIndex >> 8, byteIndex & 0xff);
    }

    /** ILLEGAL REQUEST, INVALID FIELD IN PARAMETER LIST with the field pointer (C/D = 0). */
    static void assertInvalidParameter(CommandResult r, int byteIndex, int bit) {
        assertSenseHeader(r, 0x70, SenseKeys.ILLEGAL_REQUEST, 0x26, 0x00);
        assertSksv(r, 0x80 | (bit >= 0 ? 0x08 | bit : 0), byteIndex >> 8, byteIndex & 0xff);
    }

    static void assertInvalidOpcode(CommandResult r) {
        assertSense(r, SenseKeys.ILLEGAL_REQUEST, 0x20, 0x00);
    }

    static void assertLbaOutOfRange(CommandResult r) {
        assertSense(r, SenseKeys.ILLEGAL_REQUEST, 0x21, 0x00);
    }

    static void assertWriteProtected(CommandResult r) {
        assertSense(r, SenseKeys.DATA_PROTECT, 0x27, 0x00);
    }

    private static void assertSenseHeader(CommandResult r, int responseCode, int key, int asc, int ascq) {
        assertEquals(CommandResult.CHECK_CONDITION, r.status, "status");
        assertEquals(18, r.senseLength, "sense length");
        assertEquals(responseCode, r.sense[0] & 0xff, () -> "response code in " + describe(r));
        assertEquals(key, r.sense[2] & 0xff, () -> "sense key in " + describe(r));
        assertEquals(10, r.sense[7] & 0xff, "additional sense length");
        assertEquals(asc, r.sense[12] & 0xff, () -> "ASC in " + describe(r));
        assertEquals(ascq, r.sense[13] & 0xff, () -> "ASCQ in " + describe(r));
    }

    private static void assertSksv(CommandResult r, int b15, int b16, int b17) {
        assertEquals(b15, r.sense[15] & 0xff, () -> "sense byte 15 in " + describe(r));
        assertEquals(b16, r.sense[16] & 0xff, () -> "sense byte 16 in " + describe(r));
        assertEquals(b17, r.sense[17] & 0xff, () -> "sense byte 17 in " + describe(r));
    }

    static String describe(CommandResult r) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < r.senseLength; i++) {
            s.append(String.format("%02x ", r.sense[i] & 0xff));
        }
        return s.toString().trim();
    }
}
