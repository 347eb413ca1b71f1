package org.vhostvertx.scsi;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * READ, WRITE and SYNCHRONIZE CACHE under an asynchronous engine: the command is checked as
 * always, its transfer is described rather than done (nothing reaches the image), and the outcome
 * the engine reports becomes the status and sense the synchronous path gives: a failed read
 * MEDIUM ERROR, UNRECOVERED READ ERROR; a failed or short write MEDIUM ERROR, WRITE ERROR (out of
 * space: DATA PROTECT); a failed flush MEDIUM ERROR, WRITE ERROR; each with the command's LBA.
 */
class DeferredMediumTest {

    private static final int EIO = 5;
    private static final int ENOSPC = 28;
    private static final int FUA = 0x08;

    private final Harness h = Harness.ram(2048);

    @AfterEach
    void close() {
        h.close();
    }

    /** Runs cdb as an asynchronous handler does (its own result; the harness's stays synchronous). */
    private CommandResult deferred(byte[] cdb, DataBuffer out, DataBuffer in) {
        CommandResult r = new CommandResult();
        r.deferMedium = true;
        h.commands.execute(h.lu, h.luns, cdb, cdb.length, out, in, r);
        return r;
    }

    @Test
    void aReadIsDescribedNotDoneAndItsOutcomeBecomesTheStatus() {
        TestBuffer in = new TestBuffer(8 * 512);
        CommandResult r = deferred(Cdbs.read10(100, 8), DataBuffer.EMPTY, in);
        assertEquals(CommandResult.READ, r.pendingIo);
        assertEquals(h.lu, r.pendingLu);
        assertEquals(100, r.pendingLba);
        assertEquals(8 * 512, r.pendingBytes);
        MediumIo.finished(r, 8 * 512);
        Senses.assertGood(r);
        assertEquals(8 * 512, r.dataInLength);

        r = deferred(Cdbs.read10(100, 8), DataBuffer.EMPTY, in);
        MediumIo.finished(r, -EIO);
        Senses.assertSenseWithInformation(r, SenseKeys.MEDIUM_ERROR, AdditionalSense.UNRECOVERED_READ_ERROR, 0, 100);
        assertEquals(0, r.dataInLength);
    }

    @Test
    void aWriteIsDescribedNotDoneDurableWithFuaOrWithoutTheWriteCache() {
        byte[] data = Patterns.blocks(4, 9);
        CommandResult r = deferred(Cdbs.write10(7, 4), TestBuffer.of(data), DataBuffer.EMPTY);
        assertEquals(CommandResult.WRITE, r.pendingIo);
        assertEquals(7, r.pendingLba);
        assertEquals(4 * 512, r.pendingBytes);
        assertFalse(r.pendingDurable, "write cache on, no FUA");
        assertArrayEquals(new byte[4 * 512], h.read(7, 4), "nothing written while the transfer is only described");
        r = deferred(Cdbs.rw10(0x2a, FUA, 7, 4), TestBuffer.of(data), DataBuffer.EMPTY);
        assertTrue(r.pendingDurable, "FUA");
        MediumIo.finished(r, 4 * 512);
        Senses.assertGood(r);
        assertEquals(4 * 512, r.dataOutLength);
    }

    @Test
    void failedAndShortWritesGetTheSenseOfTheSynchronousPath() {
        byte[] data = Patterns.blocks(2, 3);
        CommandResult r = deferred(Cdbs.write10(50, 2), TestBuffer.of(data), DataBuffer.EMPTY);
        MediumIo.finished(r, -EIO);
        Senses.assertSenseWithInformation(r, SenseKeys.MEDIUM_ERROR, AdditionalSense.WRITE_ERROR, 0, 50);
        r = deferred(Cdbs.write10(50, 2), TestBuffer.of(data), DataBuffer.EMPTY);
        MediumIo.finished(r, 512);
        Senses.assertSenseWithInformation(r, SenseKeys.MEDIUM_ERROR, AdditionalSense.WRITE_ERROR, 0, 50);
        r = deferred(Cdbs.write10(50, 2), TestBuffer.of(data), DataBuffer.EMPTY);
        MediumIo.finished(r, -ENOSPC);
        Senses.assertSenseWithInformation(r, SenseKeys.DATA_PROTECT, AdditionalSense.WRITE_PROTECTED,
                AdditionalSense.SPACE_ALLOCATION_FAILED, 50);
    }

    @Test
    void synchronizeCacheIsDescribedAndAFailedFlushIsAWriteError() {
        byte[] cdb = Cdbs.of(0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        CommandResult r = deferred(cdb, DataBuffer.EMPTY, DataBuffer.EMPTY);
        assertEquals(CommandResult.SYNC, r.pendingIo);
        MediumIo.finished(r, 0);
        Senses.assertGood(r);
        r = deferred(cdb, DataBuffer.EMPTY, DataBuffer.EMPTY);
        MediumIo.finished(r, -EIO);
        Senses.assertSense(r, SenseKeys.MEDIUM_ERROR, AdditionalSense.WRITE_ERROR, 0);
    }

    @Test
    void aCommandRefusedBeforeItsTransferDescribesNone() {
        CommandResult r = deferred(Cdbs.read10(4000, 8), DataBuffer.EMPTY, new TestBuffer(8 * 512));
        assertEquals(CommandResult.NO_IO, r.pendingIo, "LBA out of range: answered at once");
        assertEquals(CommandResult.CHECK_CONDITION, r.status);
    }
}
