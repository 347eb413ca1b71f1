package org.vhostvertx.scsi;

import org.vhostvertx.linux.Linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * VERIFY(10) and VERIFY(16) (SBC-3). With BYTCHK 00b the medium is just checked
 * for range (a file has no media errors to scan for); with BYTCHK 01b the data-out blocks are
 * compared with the medium, and a difference is MISCOMPARE, MISCOMPARE DURING VERIFY OPERATION
 * with the offset of the first differing byte in INFORMATION. BYTCHK 11b (one block against every
 * block) and the reserved 10b are refused as invalid fields.
 *
 * <p>Not a hot path: it compares in chunks through heap arrays and a native scratch buffer.
 */
final class Verify {

    /** SenseKeys has no MISCOMPARE (SPC-4 §4.5.6: 0Eh). */
    static final int MISCOMPARE = 0x0e;

    private static final int CHUNK = 64 * 1024;

    private Verify() {
    }

    static void execute(LogicalUnit lu, byte[] cdb, DataBuffer dataOut, CommandResult result) {
        boolean sixteen = (cdb[0] & 0xff) == OpCodes.VERIFY_16;
        int flags = cdb[1];
        if ((flags & 0xe0) != 0) {
            result.invalidField(true, 1, 7);        // VRPROTECT: no protection information
            return;
        }
        int bytchk = (flags >> 1) & 0x03;
        if (bytchk > 1) {
            result.invalidField(true, 1, 2);
            return;
        }
        long lba = sixteen ? BigEndian.u64(cdb, 2) : BigEndian.u32(cdb, 2);
        long blocks = sixteen ? BigEndian.u32(cdb, 10) : BigEndian.u16(cdb, 7);
        int lengthField = sixteen ? 10 : 7;
        if (bytchk == 1 && blocks > BlockLimits.MAX_TRANSFER_LENGTH) {
            result.invalidField(true, lengthField, 7);
            return;
        }
        if (!LbaRange.check(lu, lba, blocks, result) || blocks == 0 || bytchk == 0) {
            return;
        }
        long bytes = blocks * LogicalUnit.BLOCK_SIZE;
        if (dataOut.length() < bytes) {
            result.invalidField(true, lengthField, 7);   // as a short WRITE, see ReadWrite
            return;
        }
        compare(lu, lba, bytes, dataOut, result);
    }

    private static void compare(LogicalUnit lu, long lba, long bytes, DataBuffer dataOut, CommandResult result) {
        byte[] medium = new byte[CHUNK];
        byte[] sent = new byte[CHUNK];
        long fileOffset = lba * LogicalUnit.BLOCK_SIZE;
        try (Arena arena = Arena.ofConfined()) {
            // Page-aligned: an image opened O_DIRECT takes nothing less.
            MemorySegment buffer = arena.allocate(CHUNK, 4096);
            MemorySegment iov = arena.allocate(Linux.IOVEC_SIZE, 8);
            for (long pos = 0; pos < bytes; pos += CHUNK) {
                int n = (int) Math.min(CHUNK, bytes - pos);
                long got = readFully(lu.fd(), buffer, iov, fileOffset + pos, n);
                if (got < n) {
                    result.dataOutLength = pos;
                    result.checkCondition(SenseKeys.MEDIUM_ERROR, AdditionalSense.UNRECOVERED_READ_ERROR, 0);
                    SenseInformation.set(result, lba + (pos + got) / LogicalUnit.BLOCK_SIZE);
                    return;
                }
                MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, medium, 0, n);
                dataOut.get(pos, sent, 0, n);
                int at = Arrays.mismatch(medium, 0, n, sent, 0, n);
                if (at >= 0) {
                    result.dataOutLength = bytes;
                    result.checkCondition(MISCOMPARE, AdditionalSense.MISCOMPARE_DURING_VERIFY, 0);
                    SenseInformation.set(result, pos + at);
                    return;
                }
            }
        }
        result.dataOutLength = bytes;
    }

    /** preadv until n bytes or a failure; the bytes that arrived. */
    private static long readFully(int fd, MemorySegment buffer, MemorySegment iov, long fileOffset, int n) {
        long got = 0;
        while (got < n) {
            iov.set(ValueLayout.JAVA_LONG, 0, buffer.address() + got);
            iov.set(ValueLayout.JAVA_LONG, 8, n - got);
            long r = Linux.tryPreadv(fd, iov, 1, fileOffset + got);
            if (r == -Linux.EINTR) {
                continue;
            }
            if (r <= 0) {
                break;
            }
            got += r;
        }
        return got;
    }
}
