package org.vhostvertx.scsi;

/**
 * WRITE SAME(10) and WRITE SAME(16) (SBC-3): one block of data-out written over a
 * range, or with NDOB (16 only) no data-out and zeros. When the block is all zeros nothing is
 * written block by block: with UNMAP the range is deallocated (LBPRZ promises zeros back), without
 * it zeroed in place; see {@link RangeFill}. UNMAP with a non-zero block cannot unmap (the
 * blocks would not read back as that block), so it writes, as SBC-3 allows.
 *
 * <p>A data-out shorter than one block is ILLEGAL REQUEST, INVALID FIELD IN CDB with the field
 * pointer at byte 1 (where NDOB would say there is no data-out), without a bit pointer.
 */
final class WriteSame {

    private static final int ANCHOR = 0x10;
    private static final int UNMAP = 0x08;
    /** PBDATA and LBDATA: SBC-2 ways to stamp addresses into each block; obsolete, not offered. */
    private static final int PBDATA = 0x04;
    private static final int LBDATA = 0x02;
    private static final int NDOB = 0x01;

    private WriteSame() {
    }

    static void execute(LogicalUnit lu, byte[] cdb, DataBuffer dataOut, CommandResult result) {
        if (WriteProtect.refuses(lu, result)) {
            return;
        }
        boolean sixteen = (cdb[0] & 0xff) == OpCodes.WRITE_SAME_16;
        int flags = cdb[1];
        if ((flags & 0xe0) != 0) {
            result.invalidField(true, 1, 7);        // WRPROTECT: no protection information
            return;
        }
        if ((flags & ANCHOR) != 0) {
            result.invalidField(true, 1, 4);        // ANC_SUP=0 in the provisioning VPD page
            return;
        }
        if ((flags & (PBDATA | LBDATA)) != 0) {
            result.invalidField(true, 1, (flags & PBDATA) != 0 ? 2 : 1);
            return;
        }
        boolean ndob = sixteen && (flags & NDOB) != 0;
        boolean unmap = (flags & UNMAP) != 0;
        long lba = sixteen ? BigEndian.u64(cdb, 2) : BigEndian.u32(cdb, 2);
        long blocks = sixteen ? BigEndian.u32(cdb, 10) : BigEndian.u16(cdb, 7);
        int lengthField = sixteen ? 10 : 7;
        // 0 would mean "to the end of the medium"; WSNZ=1 in the Block Limits page refuses it.
        if (blocks == 0 || blocks > BlockLimits.MAX_WRITE_SAME_LENGTH) {
            result.invalidField(true, lengthField, 7);
            return;
        }
        if (!LbaRange.check(lu, lba, blocks, result)) {
            return;
        }
        byte[] block = null;
        if (!ndob) {
            if (dataOut.length() < LogicalUnit.BLOCK_SIZE) {
                result.invalidField(true, 1, -1);
                return;
            }
            block = new byte[LogicalUnit.BLOCK_SIZE];
            dataOut.get(0, block, 0, block.length);
            result.dataOutLength = block.length;
        }
        long offset = lba * LogicalUnit.BLOCK_SIZE;
        long len = blocks * LogicalUnit.BLOCK_SIZE;
        int rc = block == null || allZero(block)
                ? RangeFill.zero(lu.store(), offset, len, unmap)
                : RangeFill.repeat(lu.store(), offset, len, block);
        if (rc < 0) {
            MediumIo.writeFailed(result, rc);
            return;
        }
        MediumIo.syncIfNeeded(lu, false, result);
    }

    static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
