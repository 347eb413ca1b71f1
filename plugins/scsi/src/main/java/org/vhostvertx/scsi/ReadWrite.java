package org.vhostvertx.scsi;

/**
 * READ and WRITE in their 6, 10, 12 and 16 byte forms (SBC-3). The hot
 * path: fields are decoded into locals, block data moves by {@link MediumIo} with no copy, and
 * nothing is allocated.
 *
 * <p>A data buffer that disagrees with the transfer length: a READ transfers what fits and
 * reports it through dataInLength (the transport turns the difference into residual); a WRITE
 * whose data-out is shorter than the transfer length writes nothing and answers ILLEGAL REQUEST,
 * INVALID FIELD IN CDB pointing at the TRANSFER LENGTH field (as Linux's LIO target does for
 * write underflow), since writing part of the blocks would leave the rest silently stale.
 * Surplus data-out bytes are ignored and left as residual.
 */
final class ReadWrite {

    private static final int PROTECT_MASK = 0xe0;
    private static final int FUA = 0x08;

    private ReadWrite() {
    }

    static void execute(LogicalUnit lu, byte[] cdb, DataBuffer dataOut, DataBuffer dataIn, CommandResult result) {
        int op = cdb[0] & 0xff;
        boolean write = op == OpCodes.WRITE_6 || op == OpCodes.WRITE_10 || op == OpCodes.WRITE_12
                || op == OpCodes.WRITE_16;
        if (write && WriteProtect.refuses(lu, result)) {
            return;
        }
        long lba;
        long blocks;
        int lengthField;
        int flags;
        switch (op) {
            case OpCodes.READ_6, OpCodes.WRITE_6 -> {
                lba = (cdb[1] & 0x1f) << 16 | BigEndian.u16(cdb, 2);
                blocks = BigEndian.u8(cdb, 4);
                if (blocks == 0) {
                    blocks = 256;       // SBC-3: in the 6-byte forms 0 means 256 blocks
                }
                lengthField = 4;
                flags = 0;
            }
            case OpCodes.READ_10, OpCodes.WRITE_10 -> {
                lba = BigEndian.u32(cdb, 2);
                blocks = BigEndian.u16(cdb, 7);
                lengthField = 7;
                flags = cdb[1];
            }
            case OpCodes.READ_12, OpCodes.WRITE_12 -> {
                lba = BigEndian.u32(cdb, 2);
                blocks = BigEndian.u32(cdb, 6);
                lengthField = 6;
                flags = cdb[1];
            }
            case OpCodes.READ_16, OpCodes.WRITE_16 -> {
                lba = BigEndian.u64(cdb, 2);
                blocks = BigEndian.u32(cdb, 10);
                lengthField = 10;
                flags = cdb[1];
            }
            default -> throw new IllegalArgumentException("not a READ or WRITE: " + op);
        }
        if ((flags & PROTECT_MASK) != 0) {
            // RDPROTECT/WRPROTECT: we have no protection information (PROTECT=0 in INQUIRY).
            result.invalidField(true, 1, 7);
            return;
        }
        if (blocks > BlockLimits.MAX_TRANSFER_LENGTH) {
            result.invalidField(true, lengthField, 7);
            return;
        }
        if (!LbaRange.check(lu, lba, blocks, result)) {
            return;
        }
        if (blocks == 0) {
            return;                     // SBC-3: no blocks to transfer is not an error
        }
        long bytes = blocks * LogicalUnit.BLOCK_SIZE;
        if (write) {
            if (dataOut.length() < bytes) {
                result.invalidField(true, lengthField, 7);
                return;
            }
            // FUA on a READ needs nothing: we read the file, never a cache of our own.
            MediumIo.write(lu, lba, bytes, (flags & FUA) != 0, dataOut, result);
        } else {
            MediumIo.read(lu, lba, Math.min(bytes, dataIn.length()), dataIn, result);
        }
    }
}
