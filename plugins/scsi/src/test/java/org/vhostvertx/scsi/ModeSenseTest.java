package org.vhostvertx.scsi;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** MODE SENSE(6) and (10) (SPC-4), with the caching and control pages. */
class ModeSenseTest {

    private static final String CACHING_WCE = "08 12 04 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00";
    private static final String CACHING_NO_WCE = "08 12 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00";
    private static final String CONTROL = "0a 0a 00 10 00 00 00 00 00 00 00 00";
    private static final String CONTROL_CHANGEABLE = "0a 0a 00 00 00 00 00 00 00 00 00 00";
    /** 2048 blocks of 512 bytes. */
    private static final String SHORT_DESCRIPTOR = "00 00 08 00 00 00 02 00";
    private static final String LONG_DESCRIPTOR = "00 00 00 00 00 00 08 00 00 00 00 00 00 00 02 00";
    private static final int DBD = 0x08;
    private static final int LLBAA = 0x10;

    private final Harness h = Harness.ram(2048);

    @AfterEach
    void close() {
        h.close();
    }

    private byte[] sense6(int flags, int pc, int page, int subpage) {
        return h.dataIn(Cdbs.modeSense6(flags, pc, page, subpage, 255), 255);
    }

    private byte[] sense10(int flags, int pc, int page, int subpage) {
        return h.dataIn(Cdbs.modeSense10(flags, pc, page, subpage, 4096), 4096);
    }

    @Test
    void cachingPageWithBlockDescriptor() {
        // MODE DATA LENGTH 31, medium type 0, DPOFUA, block descriptor length 8
        assertArrayEquals(Hex.bytes("1f 00 10 08" + SHORT_DESCRIPTOR + CACHING_WCE), sense6(0, 0, 0x08, 0));
    }

    @Test
    void controlPageWithoutBlockDescriptor() {
        assertArrayEquals(Hex.bytes("0f 00 10 00" + CONTROL), sense6(DBD, 0, 0x0a, 0));
    }

    @Test
    void allPages() {
        byte[] expected = Hex.bytes("2b 00 10 08" + SHORT_DESCRIPTOR + CACHING_WCE + CONTROL);
        assertArrayEquals(expected, sense6(0, 0, 0x3f, 0));
        assertArrayEquals(expected, sense6(0, 0, 0x3f, 0xff));
    }

    @Test
    void theCachingPageShowsTheCurrentWriteCache() {
        h.lu.writeCache(false);
        assertArrayEquals(Hex.bytes("17 00 10 00" + CACHING_NO_WCE), sense6(DBD, 0, 0x08, 0));
        // default values: the write cache a LUN starts with
        assertArrayEquals(Hex.bytes("17 00 10 00" + CACHING_WCE), sense6(DBD, 2, 0x08, 0));
    }

    @Test
    void changeableValuesShowOnlyWce() {
        byte[] expected = Hex.bytes("2b 00 10 08 00 00 00 00 00 00 00 00" + CACHING_WCE + CONTROL_CHANGEABLE);
        assertArrayEquals(expected, sense6(0, 1, 0x3f, 0));
    }

    @Test
    void savedValuesAreNotSupported() {
        h.run(Cdbs.modeSense6(0, 3, 0x08, 0, 255), DataBuffer.EMPTY, new TestBuffer(255));
        Senses.assertSense(h.result, SenseKeys.ILLEGAL_REQUEST, 0x39, 0x00);
        h.run(Cdbs.modeSense10(0, 3, 0x3f, 0, 255), DataBuffer.EMPTY, new TestBuffer(255));
        Senses.assertSense(h.result, SenseKeys.ILLEGAL_REQUEST, 0x39, 0x00);
    }

    @Test
    void aReadOnlyLunIsWriteProtected() {
        try (Harness ro = Harness.readOnlyRam(2048)) {
            assertArrayEquals(Hex.bytes("0f 00 90 00" + CONTROL),
                    ro.dataIn(Cdbs.modeSense6(DBD, 0, 0x0a, 0, 255), 255));
            assertArrayEquals(Hex.bytes("00 12 00 90 00 00 00 00" + CONTROL),
                    ro.dataIn(Cdbs.modeSense10(DBD, 0, 0x0a, 0, 255), 255));
        }
    }

    @Test
    void modeSense10WithShortDescriptor() {
        assertArrayEquals(Hex.bytes("00 22 00 10 00 00 00 08" + SHORT_DESCRIPTOR + CACHING_WCE),
                sense10(0, 0, 0x08, 0));
    }

    @Test
    void modeSense10WithLongDescriptor() {
        assertArrayEquals(Hex.bytes("00 2a 00 10 01 00 00 10" + LONG_DESCRIPTOR + CACHING_WCE),
                sense10(LLBAA, 0, 0x08, 0));
    }

    @Test
    void modeSense10WithoutDescriptorIgnoresLlbaa() {
        assertArrayEquals(Hex.bytes("00 26 00 10 00 00 00 00" + CACHING_WCE + CONTROL),
                sense10(LLBAA | DBD, 0, 0x3f, 0));
    }

    @Test
    void theAnswerIsCutToTheAllocationLength() {
        assertArrayEquals(Hex.bytes("1f 00 10 08"), h.dataIn(Cdbs.modeSense6(0, 0, 0x08, 0, 4), 255));
        assertArrayEquals(Hex.bytes("00 22 00 10 00 00"), h.dataIn(Cdbs.modeSense10(0, 0, 0x08, 0, 6), 255));
        assertArrayEquals(Hex.bytes("1f 00"), h.dataIn(Cdbs.modeSense6(0, 0, 0x08, 0, 255), 2));
    }

    @Test
    void anUnknownPageIsAnInvalidField() {
        for (int page : new int[]{0x00, 0x01, 0x1c, 0x19, 0x3e}) {
            h.run(Cdbs.modeSense6(0, 0, page, 0, 255), DataBuffer.EMPTY, new TestBuffer(255));
            Senses.assertInvalidCdb(h.result, 2, 5);
            h.run(Cdbs.modeSense10(0, 0, page, 0, 255), DataBuffer.EMPTY, new TestBuffer(255));
            Senses.assertInvalidCdb(h.result, 2, 5);
        }
    }

    @Test
    void aSubpageIsAnInvalidField() {
        int[][] cases = {{0x08, 0x01}, {0x08, 0xff}, {0x0a, 0x01}, {0x3f, 0x01}};
        for (int[] c : cases) {
            h.run(Cdbs.modeSense6(0, 0, c[0], c[1], 255), DataBuffer.EMPTY, new TestBuffer(255));
            Senses.assertInvalidCdb(h.result, 3, 7);
        }
    }
}
