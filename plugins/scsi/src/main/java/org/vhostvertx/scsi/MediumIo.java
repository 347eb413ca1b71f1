package org.vhostvertx.scsi;

import org.vhostvertx.linux.Linux;

/**
 * Moves block data between the image and the command's buffers, with no copy in between
 * (DataBuffer.fromFile / toFile), and turns a failure into the sense SBC-3 asks for. This is the
 * READ/WRITE hot path: it allocates nothing.
 */
final class MediumIo {

    private static final int ENOSPC = 28;
    private static final int EDQUOT = 122;
    private static final int EIO = 5;

    private MediumIo() {
    }

    /**
     * Reads bytes from the image at lba into dataIn from offset 0. Sets result.dataInLength to the
     * bytes that arrived; on failure also MEDIUM ERROR, UNRECOVERED READ ERROR with the first
     * missing LBA. Returns whether all arrived.
     */
    static boolean read(LogicalUnit lu, long lba, long bytes, DataBuffer dataIn, CommandResult result) {
        if (result.deferMedium) {
            result.defer(CommandResult.READ, lu, lba, bytes, false);
            return true;
        }
        int fd = lu.fd();
        long fileOffset = lba * LogicalUnit.BLOCK_SIZE;
        long done = 0;
        while (done < bytes) {
            long n = dataIn.fromFile(fd, fileOffset + done, done, bytes - done);
            if (n == -Linux.EINTR) {
                continue;
            }
            if (n <= 0) {
                // n == 0 is end of file inside the capacity: the image shrank under us.
                result.dataInLength = done;
                result.checkCondition(SenseKeys.MEDIUM_ERROR, AdditionalSense.UNRECOVERED_READ_ERROR, 0);
                SenseInformation.set(result, lba + done / LogicalUnit.BLOCK_SIZE);
                return false;
            }
            done += n;
        }
        result.dataInLength = done;
        return true;
    }

    /**
     * Writes bytes from dataOut (from offset 0) to the image at lba, then makes them durable when
     * the command asks (FUA) or the write cache is off. Sets result.dataOutLength; on failure also
     * the sense (see {@link #writeFailed}). Returns whether all was written.
     */
    static boolean write(LogicalUnit lu, long lba, long bytes, boolean fua, DataBuffer dataOut,
                         CommandResult result) {
        if (result.deferMedium) {
            result.defer(CommandResult.WRITE, lu, lba, bytes, fua || !lu.writeCache());
            return true;
        }
        int fd = lu.fd();
        long fileOffset = lba * LogicalUnit.BLOCK_SIZE;
        long done = 0;
        while (done < bytes) {
            long n = dataOut.toFile(fd, fileOffset + done, done, bytes - done);
            if (n == -Linux.EINTR) {
                continue;
            }
            if (n <= 0) {
                result.dataOutLength = done;
                writeFailed(result, (int) n);
                SenseInformation.set(result, lba + done / LogicalUnit.BLOCK_SIZE);
                return false;
            }
            done += n;
        }
        result.dataOutLength = done;
        return syncIfNeeded(lu, fua, result);
    }

    /**
     * fdatasync when the command has FUA or the write cache is off (WCE=0: every write must be on
     * the medium before GOOD). A failed flush means written data may be lost: WRITE ERROR.
     */
    static boolean syncIfNeeded(LogicalUnit lu, boolean fua, CommandResult result) {
        if (!fua && lu.writeCache()) {
            return true;
        }
        return sync(lu, result);
    }

    static boolean sync(LogicalUnit lu, CommandResult result) {
        if (result.deferMedium) {
            result.defer(CommandResult.SYNC, lu, 0, 0, false);
            return true;
        }
        int rc;
        do {
            rc = Linux.tryFdatasync(lu.fd());
        } while (rc == -Linux.EINTR);
        if (rc != 0) {
            result.checkCondition(SenseKeys.MEDIUM_ERROR, AdditionalSense.WRITE_ERROR, 0);
            return false;
        }
        return true;
    }

    /**
     * A deferred transfer (see {@link CommandResult#deferMedium}) finished with rc, the bytes moved
     * or -errno (0 for a sync): the result gets what the synchronous path would have given it. A
     * read that ended at the file's end counts whole (the handler zeroes the rest, as
     * DataBuffer.fromFile does); a failed one reports no data and the command's first LBA.
     */
    static void finished(CommandResult result, long rc) {
        long lba = result.pendingLba;
        switch (result.pendingIo) {
            case CommandResult.READ -> {
                if (rc < 0) {
                    result.checkCondition(SenseKeys.MEDIUM_ERROR, AdditionalSense.UNRECOVERED_READ_ERROR, 0);
                    SenseInformation.set(result, lba);
                } else {
                    result.dataInLength = result.pendingBytes;
                }
            }
            case CommandResult.WRITE -> {
                if (rc != result.pendingBytes) {
                    writeFailed(result, rc < 0 ? (int) rc : -EIO);
                    SenseInformation.set(result, lba);
                } else {
                    result.dataOutLength = rc;
                }
            }
            case CommandResult.SYNC -> {
                if (rc != 0) {
                    result.checkCondition(SenseKeys.MEDIUM_ERROR, AdditionalSense.WRITE_ERROR, 0);
                }
            }
            default -> throw new IllegalStateException("no transfer was deferred");
        }
    }

    /**
     * The sense for a failed write: a file system out of space (or quota) is a thin-provisioned
     * disk out of room, which SBC-3 reports as DATA PROTECT, SPACE ALLOCATION FAILED WRITE PROTECT
     * (Linux then fails the I/O with -ENOSPC rather than retrying); anything else is MEDIUM ERROR,
     * WRITE ERROR.
     */
    static void writeFailed(CommandResult result, int negativeErrno) {
        if (negativeErrno == -ENOSPC || negativeErrno == -EDQUOT) {
            result.checkCondition(SenseKeys.DATA_PROTECT, AdditionalSense.WRITE_PROTECTED,
                    AdditionalSense.SPACE_ALLOCATION_FAILED);
        } else {
            result.checkCondition(SenseKeys.MEDIUM_ERROR, AdditionalSense.WRITE_ERROR, 0);
        }
    }
}
