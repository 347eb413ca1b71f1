package org.vhostvertx.scsi;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** READ and WRITE, 6/10/12/16 (SBC-3). */
class ReadWriteTest {

    private static final int EIO = 5;
    private static final int ENOSPC = 28;

    private final Harness h = Harness.ram(2048);

    @AfterEach
    void close() {
        h.close();
    }

    @Test
    void write6ThenRead6() {
        byte[] data = Patterns.blocks(3, 1);
        h.dataOut(Cdbs.write6(0x1234 & 0x7ff, 3), data);
        assertEquals(data.length, h.result.dataOutLength);
        assertArrayEquals(data, h.dataIn(Cdbs.read6(0x1234 & 0x7ff, 3), data.length));
        assertArrayEquals(data, h.read(0x1234 & 0x7ff, 3));
    }

    @Test
    void transferLengthZeroInTheSixByteFormsMeans256Blocks() {
        byte[] data = Patterns.blocks(256, 2);
        h.dataOut(Cdbs.write6(100, 0), data);
        assertEquals(256 * 512, h.result.dataOutLength);
        byte[] back = h.dataIn(Cdbs.read6(100, 0), 256 * 512);
        assertArrayEquals(data, back);
    }

    @Test
    void write10ThenRead10() {
        byte[] data = Patterns.blocks(8, 3);
        h.dataOut(Cdbs.write10(2040, 8), data);
        assertArrayEquals(data, h.dataIn(Cdbs.read10(2040, 8), data.length));
    }

    @Test
    void write12ThenRead12() {
        byte[] data = Patterns.blocks(5, 4);
        h.dataOut(Cdbs.rw12(0xaa, 0, 7, 5), data);
        assertArrayEquals(data, h.dataIn(Cdbs.rw12(0xa8, 0, 7, 5), data.length));
    }

    @Test
    void write16ThenRead16() {
        byte[] data = Patterns.blocks(16, 5);
        h.dataOut(Cdbs.rw16(0x8a, 0, 1000, 16), data);
        assertArrayEquals(data, h.dataIn(Cdbs.rw16(0x88, 0, 1000, 16), data.length));
    }

    @Test
    void writesLandWhereTheLbaSaysAndNowhereElse() {
        h.write(0, Patterns.filled(4, 0x11));
        h.dataOut(Cdbs.write10(1, 2), Patterns.filled(2, 0x22));
        byte[] back = h.read(0, 4);
        assertArrayEquals(Patterns.filled(1, 0x11), Patterns.slice(back, 0, 512));
        assertArrayEquals(Patterns.filled(2, 0x22), Patterns.slice(back, 512, 1536));
        assertArrayEquals(Patterns.filled(1, 0x11), Patterns.slice(back, 1536, 2048));
    }

    @Test
    void transferLengthZeroMovesNothingAndIsGood() {
        TestBuffer in = new TestBuffer(4096);
        for (byte[] cdb : new byte[][]{Cdbs.read10(5, 0), Cdbs.rw12(0xa8, 0, 5, 0), Cdbs.rw16(0x88, 0, 5, 0),
                Cdbs.write10(5, 0), Cdbs.rw12(0xaa, 0, 5, 0), Cdbs.rw16(0x8a, 0, 5, 0)}) {
            h.run(cdb, new TestBuffer(4096), in);
            Senses.assertGood(h.result);
            assertEquals(0, h.result.dataInLength);
            assertEquals(0, h.result.dataOutLength);
        }
        assertEquals(0, in.fileCalls());
    }

    @Test
    void aReadIntoTooSmallABufferTransfersWhatFits() {
        byte[] data = Patterns.blocks(8, 6);
        h.write(0, data);
        TestBuffer in = new TestBuffer(2048);
        h.run(Cdbs.read10(0, 8), DataBuffer.EMPTY, in);
        Senses.assertGood(h.result);
        assertEquals(2048, h.result.dataInLength);
        assertArrayEquals(Patterns.slice(data, 0, 2048), in.bytes());
    }

    @Test
    void aReadIntoALargerBufferLeavesTheRestAsResidual() {
        byte[] data = Patterns.blocks(2, 7);
        h.write(0, data);
        TestBuffer in = new TestBuffer(8192);
        h.run(Cdbs.read10(0, 2), DataBuffer.EMPTY, in);
        Senses.assertGood(h.result);
        assertEquals(1024, h.result.dataInLength);
        assertArrayEquals(data, in.bytes(0, 1024));
    }

    @Test
    void aWriteWithTooLittleDataOutWritesNothing() {
        h.write(0, Patterns.filled(8, 0x33));
        h.run(Cdbs.write10(0, 8), TestBuffer.of(Patterns.filled(4, 0x44)), DataBuffer.EMPTY);
        Senses.assertInvalidCdb(h.result, 7, 7);
        assertEquals(0, h.result.dataOutLength);
        assertArrayEquals(Patterns.filled(8, 0x33), h.read(0, 8));

        h.run(Cdbs.write6(0, 0), TestBuffer.of(Patterns.filled(4, 0x44)), DataBuffer.EMPTY);
        Senses.assertInvalidCdb(h.result, 4, 7);
        h.run(Cdbs.rw12(0xaa, 0, 0, 2), TestBuffer.of(new byte[1023]), DataBuffer.EMPTY);
        Senses.assertInvalidCdb(h.result, 6, 7);
        h.run(Cdbs.rw16(0x8a, 0, 0, 2), DataBuffer.EMPTY, DataBuffer.EMPTY);
        Senses.assertInvalidCdb(h.result, 10, 7);
    }

    @Test
    void aWriteWithSurplusDataOutWritesTheTransferLengthOnly() {
        h.write(0, Patterns.filled(3, 0x55));
        h.run(Cdbs.write10(0, 2), TestBuffer.of(Patterns.filled(3, 0x66)), DataBuffer.EMPTY);
        Senses.assertGood(h.result);
        assertEquals(1024, h.result.dataOutLength);
        byte[] back = h.read(0, 3);
        assertArrayEquals(Patterns.filled(2, 0x66), Patterns.slice(back, 0, 1024));
        assertArrayEquals(Patterns.filled(1, 0x55), Patterns.slice(back, 1024, 1536));
    }

    @Test
    void theLastBlockIsInRangeAndTheNextIsNot() {
        h.write(2047, Patterns.filled(1, 0x77));
        assertArrayEquals(Patterns.filled(1, 0x77), h.read(2047, 1));

        h.run(Cdbs.read10(2047, 2), DataBuffer.EMPTY, new TestBuffer(1024));
        Senses.assertLbaOutOfRange(h.result);
        assertEquals(0, h.result.dataInLength);
        h.run(Cdbs.write10(2048, 1), TestBuffer.of(new byte[512]), DataBuffer.EMPTY);
        Senses.assertLbaOutOfRange(h.result);
        h.run(Cdbs.read6(2048, 1), DataBuffer.EMPTY, new TestBuffer(512));
        Senses.assertLbaOutOfRange(h.result);
        h.run(Cdbs.rw12(0xa8, 0, 0xffff_ffffL, 1), DataBuffer.EMPTY, new TestBuffer(512));
        Senses.assertLbaOutOfRange(h.result);
    }

    @Test
    void sixtyFourBitLbasThatWrapAreOutOfRange() {
        for (long lba : new long[]{-1L, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 40}) {
            h.run(Cdbs.rw16(0x88, 0, lba, 1), DataBuffer.EMPTY, new TestBuffer(512));
            Senses.assertLbaOutOfRange(h.result);
            h.run(Cdbs.rw16(0x8a, 0, lba, 2), TestBuffer.of(new byte[1024]), DataBuffer.EMPTY);
            Senses.assertLbaOutOfRange(h.result);
        }
    }

    @Test
    void lbaAtTheCapacityWithNoBlocksIsGood() {
        h.run(Cdbs.read10(2048, 0), DataBuffer.EMPTY, new TestBuffer(512));
        Senses.assertGood(h.result);
        h.run(Cdbs.read10(2049, 0), DataBuffer.EMPTY, new TestBuffer(512));
        Senses.assertLbaOutOfRange(h.result);
    }

    @Test
    void protectionFieldsAreInvalid() {
        for (int op : new int[]{0x28, 0x2a}) {
            for (int protect : new int[]{0x20, 0x40, 0x80, 0xe0}) {
                h.run(Cdbs.rw10(op, protect, 0, 1), TestBuffer.of(new byte[512]), new TestBuffer(512));
                Senses.assertInvalidCdb(h.result, 1, 7);
            }
        }
        h.run(Cdbs.rw12(0xa8, 0x20, 0, 1), DataBuffer.EMPTY, new TestBuffer(512));
        Senses.assertInvalidCdb(h.result, 1, 7);
        h.run(Cdbs.rw16(0x8a, 0x60, 0, 1), TestBuffer.of(new byte[512]), DataBuffer.EMPTY);
        Senses.assertInvalidCdb(h.result, 1, 7);
    }

    @Test
    void dpoAndFuaAreAccepted() {
        byte[] data = Patterns.blocks(2, 8);
        h.dataOut(Cdbs.rw10(0x2a, 0x18, 3, 2), data);              // DPO + FUA
        h.dataOut(Cdbs.rw16(0x8a, 0x08, 5, 2), data);              // FUA
        assertArrayEquals(data, h.dataIn(Cdbs.rw10(0x28, 0x18, 3, 2), 1024));
        assertArrayEquals(data, h.dataIn(Cdbs.rw12(0xa8, 0x08, 5, 2), 1024));
    }

    @Test
    void writesWithTheWriteCacheOffAreGood() {
        h.lu.writeCache(false);
        byte[] data = Patterns.blocks(4, 9);
        h.write(10, data);
        assertArrayEquals(data, h.read(10, 4));
    }

    @Test
    void moreThanTheMaximumTransferLengthIsAnInvalidField() {
        try (Harness big = Harness.ram(65536)) {
            big.run(Cdbs.rw16(0x88, 0, 0, 32769), DataBuffer.EMPTY, new TestBuffer(512));
            Senses.assertInvalidCdb(big.result, 10, 7);
            big.run(Cdbs.rw12(0xaa, 0, 0, 32769), TestBuffer.of(new byte[512]), DataBuffer.EMPTY);
            Senses.assertInvalidCdb(big.result, 6, 7);
            big.run(Cdbs.read10(0, 32769), DataBuffer.EMPTY, new TestBuffer(512));
            Senses.assertInvalidCdb(big.result, 7, 7);
            big.run(Cdbs.rw16(0x88, 0, 0, 32768), DataBuffer.EMPTY, new TestBuffer(32768 * 512));
            Senses.assertGood(big.result);
            assertEquals(32768L * 512, big.result.dataInLength);
        }
    }

    @Test
    void shortTransfersAreResumed() {
        byte[] data = Patterns.blocks(8, 10);
        TestBuffer out = TestBuffer.of(data).shortTransfers(700);
        h.run(Cdbs.write10(20, 8), out, DataBuffer.EMPTY);
        Senses.assertGood(h.result);
        assertEquals(4096, h.result.dataOutLength);
        assertTrue(out.fileCalls() >= 6);

        TestBuffer in = new TestBuffer(4096).shortTransfers(1000);
        h.run(Cdbs.read10(20, 8), DataBuffer.EMPTY, in);
        Senses.assertGood(h.result);
        assertArrayEquals(data, in.bytes());
        assertTrue(in.fileCalls() >= 5);
    }

    @Test
    void aReadErrorIsAMediumErrorAtTheFirstLbaNotRead() {
        h.run(Cdbs.read10(100, 8), DataBuffer.EMPTY, new TestBuffer(4096).failWith(EIO));
        Senses.assertSenseWithInformation(h.result, SenseKeys.MEDIUM_ERROR, 0x11, 0x00, 100);
        assertEquals(0, h.result.dataInLength);

        h.run(Cdbs.read10(100, 8), DataBuffer.EMPTY, new TestBuffer(4096).failFrom(1536, EIO));
        Senses.assertSenseWithInformation(h.result, SenseKeys.MEDIUM_ERROR, 0x11, 0x00, 103);
        assertEquals(1536, h.result.dataInLength);
    }

    @Test
    void aWriteErrorIsAMediumWriteErrorAtTheFirstLbaNotWritten() {
        h.run(Cdbs.write10(200, 4), TestBuffer.of(new byte[2048]).failFrom(1024, EIO), DataBuffer.EMPTY);
        Senses.assertSenseWithInformation(h.result, SenseKeys.MEDIUM_ERROR, 0x0c, 0x00, 202);
        assertEquals(1024, h.result.dataOutLength);
    }

    @Test
    void runningOutOfSpaceIsSpaceAllocationFailed() {
        h.run(Cdbs.write10(300, 1), TestBuffer.of(new byte[512]).failWith(ENOSPC), DataBuffer.EMPTY);
        Senses.assertSenseWithInformation(h.result, SenseKeys.DATA_PROTECT, 0x27, 0x07, 300);
    }

    @Test
    void anErrorBeyondThirtyTwoBitLbasHasNoInformation() {
        // SenseInformation leaves VALID clear when the LBA does not fit the four bytes.
        CommandResult r = new CommandResult();
        r.checkCondition(SenseKeys.MEDIUM_ERROR, 0x11, 0);
        SenseInformation.set(r, 1L << 32);
        Senses.assertSense(r, SenseKeys.MEDIUM_ERROR, 0x11, 0);
        assertEquals(0, BigEndian.u32(r.sense, 3));
    }
}
