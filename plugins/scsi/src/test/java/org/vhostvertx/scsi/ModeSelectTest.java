package org.vhostvertx.scsi;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MODE SELECT(6) and (10) (SPC-4): only WCE may change. */
class ModeSelectTest {

    private static final int PF = 0x10;
    private static final String CACHING_NO_WCE = "08 12 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00";
    private static final String CACHING_WCE = "08 12 04 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00";
    private static final String CONTROL = "0a 0a 00 10 00 00 00 00 00 00 00 00";

    private final Harness h = Harness.ram(2048);

    @AfterEach
    void close() {
        h.close();
    }

    private void select6(String hex) {
        byte[] list = Hex.bytes(hex);
        h.run(Cdbs.modeSelect6(PF, list.length), TestBuffer.of(list), DataBuffer.EMPTY);
    }

    private void select10(String hex) {
        byte[] list = Hex.bytes(hex);
        h.run(Cdbs.modeSelect10(PF, list.length), TestBuffer.of(list), DataBuffer.EMPTY);
    }

    @Test
    void turningTheWriteCacheOffAndOn() {
        select6("00 00 00 00" + CACHING_NO_WCE);
        Senses.assertGood(h.result);
        assertEquals(24, h.result.dataOutLength);
        assertFalse(h.lu.writeCache());
        byte[] sensed = h.dataIn(Cdbs.modeSense6(0x08, 0, 0x08, 0, 255), 255);
        assertEquals(0x00, sensed[4 + 2]);

        select10("00 00 00 00 00 00 00 00" + CACHING_WCE);
        Senses.assertGood(h.result);
        assertTrue(h.lu.writeCache());
    }

    @Test
    void aModeSenseAnswerCanBeSentBackAsItIs() {
        byte[] sensed = h.dataIn(Cdbs.modeSense6(0, 0, 0x3f, 0, 255), 255);
        sensed[4 + 8 + 2] &= ~0x04;                 // clear WCE in the caching page
        h.run(Cdbs.modeSelect6(PF, sensed.length), TestBuffer.of(sensed), DataBuffer.EMPTY);
        Senses.assertGood(h.result);
        assertFalse(h.lu.writeCache());

        byte[] sensed10 = h.dataIn(Cdbs.modeSense10(0x10, 0, 0x3f, 0, 4096), 4096);
        sensed10[8 + 16 + 2] |= 0x04;
        h.run(Cdbs.modeSelect10(PF, sensed10.length), TestBuffer.of(sensed10), DataBuffer.EMPTY);
        Senses.assertGood(h.result);
        assertTrue(h.lu.writeCache());
    }

    @Test
    void blockDescriptorsThatMatchAreAccepted() {
        select6("00 00 00 08 00 00 08 00 00 00 02 00" + CACHING_NO_WCE);
        Senses.assertGood(h.result);
        select6("00 00 00 08 00 00 00 00 00 00 02 00" + CONTROL);     // 0 blocks: keep
        Senses.assertGood(h.result);
        select10("00 00 00 00 01 00 00 10 00 00 00 00 00 00 08 00 00 00 00 00 00 00 02 00" + CACHING_WCE);
        Senses.assertGood(h.result);
        assertTrue(h.lu.writeCache());
    }

    @Test
    void pfZeroAndSpOneAreInvalidFields() {
        byte[] list = Hex.bytes("00 00 00 00" + CACHING_NO_WCE);
        h.run(Cdbs.modeSelect6(0, list.length), TestBuffer.of(list), DataBuffer.EMPTY);
        Senses.assertInvalidCdb(h.result, 1, 4);
        h.run(Cdbs.modeSelect6(PF | 0x01, list.length), TestBuffer.of(list), DataBuffer.EMPTY);
        Senses.assertInvalidCdb(h.result, 1, 0);
        h.run(Cdbs.modeSelect10(0x01 | PF, list.length), TestBuffer.of(list), DataBuffer.EMPTY);
        Senses.assertInvalidCdb(h.result, 1, 0);
        assertTrue(h.lu.writeCache());
    }

    @Test
    void anEmptyListIsGood() {
        h.good(Cdbs.modeSelect6(PF, 0));
        h.good(Cdbs.modeSelect10(PF, 0));
    }

    @Test
    void lessDataOutThanTheListLengthIsAnInvalidField() {
        h.run(Cdbs.modeSelect6(PF, 24), TestBuffer.of(new byte[10]), DataBuffer.EMPTY);
        Senses.assertInvalidCdb(h.result, 4, 7);
        h.run(Cdbs.modeSelect10(PF, 28), DataBuffer.EMPTY, DataBuffer.EMPTY);
        Senses.assertInvalidCdb(h.result, 7, 7);
    }

    @Test
    void listsCutShortAreLengthErrors() {
        select6("00 00 00");                                    // inside the header
        Senses.assertSense(h.result, SenseKeys.ILLEGAL_REQUEST, 0x1a, 0x00);
        select10("00 00 00 00 00 00 00 08 00 00 08 00");        // inside the block descriptor
        Senses.assertSense(h.result, SenseKeys.ILLEGAL_REQUEST, 0x1a, 0x00);
        select6("00 00 00 00 08 12 00 00");                     // inside a page
        Senses.assertSense(h.result, SenseKeys.ILLEGAL_REQUEST, 0x1a, 0x00);
        select6("00 00 00 00" + CONTROL + "08");                // a page header of one byte
        Senses.assertSense(h.result, SenseKeys.ILLEGAL_REQUEST, 0x1a, 0x00);
        assertTrue(h.lu.writeCache());
    }

    @Test
    void headerFieldsWeCannotHonourAreInvalidParameters() {
        select6("00 01 00 00" + CACHING_NO_WCE);                // medium type
        Senses.assertInvalidParameter(h.result, 1, 7);
        select10("00 00 05 00 00 00 00 00" + CACHING_NO_WCE);
        Senses.assertInvalidParameter(h.result, 2, 7);
        select6("00 00 00 04 00 00 00 00" + CACHING_NO_WCE);    // descriptor length 4
        Senses.assertInvalidParameter(h.result, 3, 7);
        select10("00 00 00 00 00 00 00 10" + "00".repeat(16) + CACHING_NO_WCE);  // 16 without LONGLBA
        Senses.assertInvalidParameter(h.result, 6, 7);
        assertTrue(h.lu.writeCache());
    }

    @Test
    void aDifferentBlockLengthOrCapacityIsAnInvalidParameter() {
        select6("00 00 00 08 00 00 08 00 00 00 10 00" + CACHING_NO_WCE);
        Senses.assertInvalidParameter(h.result, 9, 7);
        select6("00 00 00 08 00 00 30 39 00 00 02 00" + CACHING_NO_WCE);
        Senses.assertInvalidParameter(h.result, 4, 7);
        select10("00 00 00 00 01 00 00 10 00 00 00 00 00 00 08 00 00 00 00 00 00 00 10 00" + CACHING_NO_WCE);
        Senses.assertInvalidParameter(h.result, 8 + 12, 7);
        assertTrue(h.lu.writeCache());
    }

    @Test
    void cachingBitsOtherThanWceCannotChange() {
        // IC (byte 2 bit 7), RCD (byte 2 bit 0), a prefetch length (byte 8), a cache segment size
        select6("00 00 00 00 08 12 80 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
        Senses.assertInvalidParameter(h.result, 4 + 2, 7);
        select6("00 00 00 00 08 12 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
        Senses.assertInvalidParameter(h.result, 4 + 2, 0);
        select6("00 00 00 00 08 12 00 00 00 00 00 00 00 20 00 00 00 00 00 00 00 00 00 00");
        Senses.assertInvalidParameter(h.result, 4 + 9, 5);
        assertTrue(h.lu.writeCache());
    }

    @Test
    void theControlPageCannotChange() {
        select6("00 00 00 00" + CONTROL);
        Senses.assertGood(h.result);
        select6("00 00 00 00 0a 0a 04 10 00 00 00 00 00 00 00 00");   // D_SENSE
        Senses.assertInvalidParameter(h.result, 4 + 2, 2);
        select6("00 00 00 00 0a 0a 00 00 00 00 00 00 00 00 00 00");   // QUEUE ALGORITHM MODIFIER 0
        Senses.assertInvalidParameter(h.result, 4 + 3, 4);
    }

    @Test
    void wrongPageLengthsUnknownPagesAndSubpagesAreInvalidParameters() {
        select6("00 00 00 00 08 0a 00 00 00 00 00 00 00 00 00 00");
        Senses.assertInvalidParameter(h.result, 5, 7);
        select6("00 00 00 00 1c 0a 00 00 00 00 00 00 00 00 00 00");
        Senses.assertInvalidParameter(h.result, 4, 5);
        select6("00 00 00 00 48 01 00 12" + "00".repeat(18));
        Senses.assertInvalidParameter(h.result, 4, 6);
        assertTrue(h.lu.writeCache());
    }

    @Test
    void aRejectedListChangesNothing() {
        select6("00 00 00 00" + CACHING_NO_WCE + "1c 0a 00 00 00 00 00 00 00 00 00 00");
        Senses.assertInvalidParameter(h.result, 24, 5);
        assertTrue(h.lu.writeCache());
    }

    @Test
    void thePsBitOfAPageIsIgnored() {
        select6("00 00 00 00 88 12 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
        Senses.assertGood(h.result);
        assertFalse(h.lu.writeCache());
    }
}
