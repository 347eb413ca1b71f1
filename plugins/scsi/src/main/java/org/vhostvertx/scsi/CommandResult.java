package org.vhostvertx.scsi;

/**
 * The outcome of one SCSI command: status, fixed-format sense data when the status is CHECK
 * CONDITION, and how many data bytes moved (the transport reports the rest as residual).
 * Reused between commands.
 */
public final class CommandResult {

    public static final int GOOD = 0x00;
    public static final int CHECK_CONDITION = 0x02;

    /** Fixed-format sense data is 18 bytes (SPC-4 §4.5.3). */
    public static final int SENSE_LENGTH = 18;

    public int status;
    public final byte[] sense = new byte[SENSE_LENGTH];
    public int senseLength;
    public long dataInLength;
    public long dataOutLength;

    /** No medium transfer waits (the command is answered as it stands). */
    public static final int NO_IO = 0;
    public static final int READ = 1;
    public static final int WRITE = 2;
    public static final int SYNC = 3;

    /**
     * Set by a queue handler whose engine is asynchronous: {@link MediumIo} then does not move the
     * blocks itself but describes the transfer here (pendingIo and the fields after it), and the
     * handler starts it and answers the command when it has finished.
     */
    public boolean deferMedium;
    public int pendingIo;
    public LogicalUnit pendingLu;
    public long pendingLba;
    public long pendingBytes;
    /** A write that must be on the medium when it completes (FUA, or the write cache off). */
    public boolean pendingDurable;

    public void reset() {
        status = GOOD;
        senseLength = 0;
        dataInLength = 0;
        dataOutLength = 0;
        pendingIo = NO_IO;
        pendingLu = null;
    }

    void defer(int io, LogicalUnit lu, long lba, long bytes, boolean durable) {
        pendingIo = io;
        pendingLu = lu;
        pendingLba = lba;
        pendingBytes = bytes;
        pendingDurable = durable;
    }

    /** CHECK CONDITION with fixed-format, current sense data. */
    public void checkCondition(int senseKey, int asc, int ascq) {
        status = CHECK_CONDITION;
        java.util.Arrays.fill(sense, (byte) 0);
        sense[0] = 0x70;                // current error, fixed format
        sense[2] = (byte) (senseKey & 0x0f);
        sense[7] = SENSE_LENGTH - 8;    // additional sense length
        sense[12] = (byte) asc;
        sense[13] = (byte) ascq;
        senseLength = SENSE_LENGTH;
    }

    /** CHECK CONDITION for a bad CDB field, with the sense-key-specific field pointer (SPC-4 §4.5.2.4.2). */
    public void invalidField(boolean inCdb, int byteIndex, int bitIndex) {
        checkCondition(SenseKeys.ILLEGAL_REQUEST, inCdb ? 0x24 : 0x26, 0x00);
        sense[15] = (byte) (0x80 | (inCdb ? 0x40 : 0) | (bitIndex >= 0 ? 0x08 | (bitIndex & 7) : 0));
        sense[16] = (byte) (byteIndex >> 8);
        sense[17] = (byte) byteIndex;
    }
}
