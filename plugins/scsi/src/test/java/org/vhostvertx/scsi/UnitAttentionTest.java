package org.vhostvertx.scsi;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vhostvertx.storage.ImageStore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Unit attentions (SAM-5) and REQUEST SENSE (SPC-4). */
class UnitAttentionTest {

    /** A fresh LUN, its power-on attention (29h/00h) still pending. */
    private final Harness h = new Harness(Harness.lun(ImageStore.ram(2048 * 512), false), true);

    @AfterEach
    void close() {
        h.close();
    }

    @Test
    void theFirstCommandGetsTheAttentionAndTheNextRuns() {
        h.run(Cdbs.testUnitReady());
        Senses.assertSense(h.result, SenseKeys.UNIT_ATTENTION, 0x29, 0x00);
        h.good(Cdbs.testUnitReady());
    }

    @Test
    void aCommandReportingTheAttentionIsNotExecuted() {
        TestBuffer out = TestBuffer.of(Patterns.filled(1, 0x99));
        h.run(Cdbs.write10(0, 1), out, DataBuffer.EMPTY);
        Senses.assertSense(h.result, SenseKeys.UNIT_ATTENTION, 0x29, 0x00);
        assertEquals(0, h.result.dataOutLength);
        assertEquals(0, out.fileCalls());
        assertArrayEquals(new byte[512], h.read(0, 1));
        h.write(0, Patterns.filled(1, 0x99));
        assertArrayEquals(Patterns.filled(1, 0x99), h.read(0, 1));
    }

    @Test
    void inquiryAndReportLunsLeaveTheAttentionPending() {
        h.dataIn(Cdbs.inquiry(false, 0, 96), 96);
        h.dataIn(Cdbs.inquiry(true, 0x83, 255), 255);
        h.dataIn(Cdbs.reportLuns(0, 16), 16);
        h.run(Cdbs.readCapacity10(), DataBuffer.EMPTY, new TestBuffer(8));
        Senses.assertSense(h.result, SenseKeys.UNIT_ATTENTION, 0x29, 0x00);
        assertEquals(0, h.result.dataInLength);
    }

    @Test
    void anUnsupportedCommandStillGetsTheAttentionFirst() {
        h.run(Cdbs.of(0x04, 0, 0, 0, 0, 0));
        Senses.assertSense(h.result, SenseKeys.UNIT_ATTENTION, 0x29, 0x00);
        h.run(Cdbs.of(0x04, 0, 0, 0, 0, 0));
        Senses.assertInvalidOpcode(h.result);
    }

    @Test
    void requestSenseReturnsAndClearsTheAttention() {
        byte[] sense = h.dataIn(Cdbs.requestSense(252), 252);
        assertArrayEquals(Hex.bytes("70 00 06 00 00 00 00 0a 00 00 00 00 29 00 00 00 00 00"), sense);
        h.good(Cdbs.testUnitReady());
    }

    @Test
    void requestSenseWithNothingPendingIsNoSense() {
        h.lu.takeUnitAttention();
        assertArrayEquals(Hex.bytes("70 00 00 00 00 00 00 0a 00 00 00 00 00 00 00 00 00 00"),
                h.dataIn(Cdbs.requestSense(18), 18));
    }

    @Test
    void requestSenseIsCutToTheAllocationLength() {
        assertArrayEquals(Hex.bytes("70 00 06 00 00 00 00 0a"), h.dataIn(Cdbs.requestSense(8), 252));
    }

    @Test
    void descriptorFormatIsRefusedAndTheAttentionStays() {
        h.run(Cdbs.of(0x03, 0x01, 0, 0, 252, 0), DataBuffer.EMPTY, new TestBuffer(252));
        Senses.assertInvalidCdb(h.result, 1, 0);
        h.run(Cdbs.testUnitReady());
        Senses.assertSense(h.result, SenseKeys.UNIT_ATTENTION, 0x29, 0x00);
    }

    @Test
    void attentionsComeOneAtATimeInOrder() {
        h.lu.capacityChanged(1024 * 512);
        h.run(Cdbs.read10(0, 1), DataBuffer.EMPTY, new TestBuffer(512));
        Senses.assertSense(h.result, SenseKeys.UNIT_ATTENTION, 0x29, 0x00);
        h.run(Cdbs.read10(0, 1), DataBuffer.EMPTY, new TestBuffer(512));
        Senses.assertSense(h.result, SenseKeys.UNIT_ATTENTION, 0x2a, 0x09);
        assertEquals(0, h.result.dataInLength);
        assertArrayEquals(Hex.bytes("00 00 03 ff 00 00 02 00"), h.dataIn(Cdbs.readCapacity10(), 8));
    }

    @Test
    void aResetLeavesOneResetAttention() {
        h.lu.capacityChanged(2048 * 512);
        h.lu.reset();
        h.run(Cdbs.testUnitReady());
        Senses.assertSense(h.result, SenseKeys.UNIT_ATTENTION, 0x29, 0x00);
        h.good(Cdbs.testUnitReady());
    }
}
