package org.vhostvertx.scsi;

import org.vhostvertx.storage.ImageStore;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One LUN and the interpreter, as the queue handler will drive them: reset the result, execute,
 * look at the result. The LUN's initial power-on unit attention is taken away unless a test
 * wants it, so tests see the command's own answer.
 */
final class Harness implements AutoCloseable {

    static final String VENDOR = "VERTX";
    static final String PRODUCT = "VDISK";
    static final String REVISION = "0001";
    static final String SERIAL = "serial-42";

    final LogicalUnit lu;
    final BlockCommands commands = new BlockCommands();
    final CommandResult result = new CommandResult();
    int[] luns = {0};

    Harness(LogicalUnit lu, boolean keepAttention) {
        this.lu = lu;
        if (!keepAttention) {
            while (lu.takeUnitAttention() != null) {
                // drain
            }
        }
    }

    /** A writable RAM LUN of blocks blocks (a memfd: punch hole yes, zero range no). */
    static Harness ram(long blocks) {
        return new Harness(lun(ImageStore.ram(blocks * LogicalUnit.BLOCK_SIZE), false), false);
    }

    static Harness readOnlyRam(long blocks) {
        return new Harness(lun(ImageStore.ram(blocks * LogicalUnit.BLOCK_SIZE), true), false);
    }

    /** A writable LUN on an image file (ext4 here: punch hole and zero range both work). */
    static Harness file(Path image, long blocks) {
        return new Harness(lun(ImageStore.file(image, blocks * LogicalUnit.BLOCK_SIZE, false), false), false);
    }

    static LogicalUnit lun(ImageStore store, boolean readOnly) {
        return new LogicalUnit(0, store, readOnly, VENDOR, PRODUCT, REVISION, SERIAL);
    }

    CommandResult run(byte[] cdb, DataBuffer dataOut, DataBuffer dataIn) {
        return run(cdb, cdb.length, dataOut, dataIn);
    }

    CommandResult run(byte[] cdb, int cdbLength, DataBuffer dataOut, DataBuffer dataIn) {
        result.reset();
        commands.execute(lu, luns, cdb, cdbLength, dataOut, dataIn, result);
        return result;
    }

    CommandResult run(byte[] cdb) {
        return run(cdb, DataBuffer.EMPTY, DataBuffer.EMPTY);
    }

    /** Runs a command that must answer GOOD with data-in, room bytes offered; the bytes sent. */
    byte[] dataIn(byte[] cdb, int room) {
        TestBuffer in = new TestBuffer(room);
        run(cdb, DataBuffer.EMPTY, in);
        Senses.assertGood(result);
        return in.bytes(0, (int) result.dataInLength);
    }

    /** Runs a command with data-out that must answer GOOD. */
    void dataOut(byte[] cdb, byte[] data) {
        run(cdb, TestBuffer.of(data), DataBuffer.EMPTY);
        Senses.assertGood(result);
    }

    void good(byte[] cdb) {
        run(cdb);
        Senses.assertGood(result);
    }

    /** Writes data at lba with WRITE(16) (whole blocks). */
    void write(long lba, byte[] data) {
        byte[] cdb = Cdbs.rw16(0x8a, 0, lba, data.length / LogicalUnit.BLOCK_SIZE);
        dataOut(cdb, data);
        assertEquals(data.length, result.dataOutLength);
    }

    /** Reads blocks blocks at lba with READ(16). */
    byte[] read(long lba, int blocks) {
        return dataIn(Cdbs.rw16(0x88, 0, lba, blocks), blocks * LogicalUnit.BLOCK_SIZE);
    }

    @Override
    public void close() {
        lu.close();
    }
}
