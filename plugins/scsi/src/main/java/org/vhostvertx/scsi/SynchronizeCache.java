package org.vhostvertx.scsi;

/**
 * SYNCHRONIZE CACHE(10) and (16) (SBC-3): fdatasync of the image. The range only
 * gets its capacity check (NUMBER OF LOGICAL BLOCKS 0 means "to the end"); we flush the whole
 * file, which covers any range. IMMED is accepted but we still answer after the flush, which
 * is only later than the initiator asked for, never less safe. A failed flush means written data
 * may not be on the medium: MEDIUM ERROR, WRITE ERROR. A read-only LUN has nothing to flush.
 */
final class SynchronizeCache {

    private SynchronizeCache() {
    }

    static void execute(LogicalUnit lu, byte[] cdb, CommandResult result) {
        boolean sixteen = (cdb[0] & 0xff) == OpCodes.SYNCHRONIZE_CACHE_16;
        long lba = sixteen ? BigEndian.u64(cdb, 2) : BigEndian.u32(cdb, 2);
        long blocks = sixteen ? BigEndian.u32(cdb, 10) : BigEndian.u16(cdb, 7);
        if (!LbaRange.check(lu, lba, blocks, result) || lu.readOnly()) {
            return;
        }
        MediumIo.sync(lu, result);
    }
}
