package org.vhostvertx.scsi;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vhostvertx.storage.ImageStore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Standard INQUIRY data (SPC-4 §6.6.2) and the CDB checks of INQUIRY. */
class InquiryTest {

    private final Harness h = Harness.ram(2048);

    @AfterEach
    void close() {
        h.close();
    }

    static byte[] expectedStandard() {
        byte[] e = new byte[96];
        // qualifier/type 00h, RMB 0, VERSION 06h (SPC-4), HISUP + format 2, ADDITIONAL LENGTH 91,
        // byte 5/6 0, CMDQUE.
        Hex.put(e, 0, "00 00 06 12 5b 00 00 02");
        Hex.ascii(e, 8, "VERTX   ");
        Hex.ascii(e, 16, "VDISK           ");
        Hex.ascii(e, 32, "0001");
        Hex.put(e, 58, "00 a0 04 60 04 c0");  // SAM-5, SPC-4, SBC-3
        return e;
    }

    @Test
    void standardDataIsExact() {
        byte[] data = h.dataIn(Cdbs.inquiry(false, 0, 96), 96);
        assertArrayEquals(expectedStandard(), data);
        assertEquals(96, h.result.dataInLength);
    }

    @Test
    void answerIsCutToTheAllocationLength() {
        byte[] data = h.dataIn(Cdbs.inquiry(false, 0, 36), 255);
        assertEquals(36, data.length);
        byte[] e = new byte[36];
        System.arraycopy(expectedStandard(), 0, e, 0, 36);
        assertArrayEquals(e, data);            // ADDITIONAL LENGTH still says 91
    }

    @Test
    void answerIsCutToTheDataInRoom() {
        byte[] data = h.dataIn(Cdbs.inquiry(false, 0, 255), 20);
        assertEquals(20, h.result.dataInLength);
        byte[] e = new byte[20];
        System.arraycopy(expectedStandard(), 0, e, 0, 20);
        assertArrayEquals(e, data);
    }

    @Test
    void aLargerAllocationLengthSendsTheWholeAnswerOnly() {
        h.dataIn(Cdbs.inquiry(false, 0, 0x1000), 0x1000);
        assertEquals(96, h.result.dataInLength);
    }

    @Test
    void allocationLengthZeroSendsNothing() {
        byte[] data = h.dataIn(Cdbs.inquiry(false, 0, 0), 96);
        assertEquals(0, data.length);
    }

    @Test
    void noDataInRoomIsNotAnError() {
        h.run(Cdbs.inquiry(false, 0, 96));
        Senses.assertGood(h.result);
        assertEquals(0, h.result.dataInLength);
    }

    @Test
    void pageCodeWithoutEvpdIsAnInvalidField() {
        h.run(Cdbs.inquiry(false, 0x80, 96), DataBuffer.EMPTY, new TestBuffer(96));
        Senses.assertInvalidCdb(h.result, 2, 7);
        assertEquals(0, h.result.dataInLength);
    }

    @Test
    void cmdDtIsAnInvalidField() {
        h.run(Cdbs.of(0x12, 0x02, 0, 0, 96, 0), DataBuffer.EMPTY, new TestBuffer(96));
        Senses.assertInvalidCdb(h.result, 1, 1);
    }

    @Test
    void unknownVpdPageIsAnInvalidField() {
        for (int page : new int[]{0x01, 0x81, 0x86, 0x89, 0xb3, 0xff}) {
            h.run(Cdbs.inquiry(true, page, 255), DataBuffer.EMPTY, new TestBuffer(255));
            Senses.assertInvalidCdb(h.result, 2, 7);
        }
    }

    @Test
    void identityStringsArePaddedCutAndCleaned() {
        LogicalUnit lu = new LogicalUnit(0, ImageStore.ram(4096), false, "ABCDEFGHIJ", "prod\tuct-with-a-long-name",
                "1.2", "s");
        try (Harness odd = new Harness(lu, false)) {
            byte[] data = odd.dataIn(Cdbs.inquiry(false, 0, 36), 36);
            byte[] e = new byte[36];
            Hex.put(e, 0, "00 00 06 12 5b 00 00 02");
            Hex.ascii(e, 8, "ABCDEFGHprod_uct-with-a-1.2 ");
            assertArrayEquals(e, data);
        }
    }
}
