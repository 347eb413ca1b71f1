package org.vhostvertx.scsi;

/**
 * UNMAP (SBC-3): a parameter list of an eight-byte header and 16-byte block descriptors
 * (LBA, number of blocks), each range deallocated. Every descriptor is checked before any range
 * is touched, so a bad list changes nothing. Since the provisioning page promises LBPRZ, a range
 * the file system cannot punch is zeroed instead (see {@link RangeFill#zero}).
 *
 * <p>Errors: a parameter list length of 1..7 is PARAMETER LIST LENGTH ERROR (SBC-3); a data-out
 * shorter than the parameter list length is INVALID FIELD IN CDB at that field, as for a short
 * WRITE; more descriptors than the Block Limits page allows, or more blocks in total than
 * MAXIMUM UNMAP LBA COUNT, is INVALID FIELD IN PARAMETER LIST; a range past the end is LOGICAL
 * BLOCK ADDRESS OUT OF RANGE.
 */
final class Unmap {

    private static final int HEADER = 8;
    private static final int DESCRIPTOR = 16;

    private Unmap() {
    }

    static void execute(LogicalUnit lu, byte[] cdb, DataBuffer dataOut, CommandResult result) {
        if (WriteProtect.refuses(lu, result)) {
            return;
        }
        if ((cdb[1] & 0x01) != 0) {
            result.invalidField(true, 1, 0);        // ANCHOR: ANC_SUP=0
            return;
        }
        int listLength = BigEndian.u16(cdb, 7);
        if (listLength == 0) {
            return;                                  // nothing to unmap is not an error
        }
        if (listLength < HEADER) {
            result.checkCondition(SenseKeys.ILLEGAL_REQUEST, AdditionalSense.PARAMETER_LIST_LENGTH_ERROR, 0);
            return;
        }
        if (dataOut.length() < listLength) {
            result.invalidField(true, 7, 7);
            return;
        }
        byte[] header = new byte[HEADER];
        dataOut.get(0, header, 0, HEADER);
        // Descriptors past the parameter list, and a trailing partial one, are ignored (SBC-3).
        int descriptorBytes = Math.min(BigEndian.u16(header, 2), listLength - HEADER);
        int count = descriptorBytes / DESCRIPTOR;
        if (count > BlockLimits.MAX_UNMAP_DESCRIPTORS) {
            result.invalidField(false, 2, 7);
            return;
        }
        byte[] list = new byte[count * DESCRIPTOR];
        dataOut.get(HEADER, list, 0, list.length);
        result.dataOutLength = listLength;

        long total = 0;
        for (int i = 0; i < count; i++) {
            int d = i * DESCRIPTOR;
            long lba = BigEndian.u64(list, d);
            long blocks = BigEndian.u32(list, d + 8);
            total += blocks;
            if (blocks > BlockLimits.MAX_UNMAP_LBA_COUNT || total > BlockLimits.MAX_UNMAP_LBA_COUNT) {
                result.invalidField(false, HEADER + d + 8, 7);
                return;
            }
            if (!LbaRange.check(lu, lba, blocks, result)) {
                return;
            }
        }
        for (int i = 0; i < count; i++) {
            int d = i * DESCRIPTOR;
            long blocks = BigEndian.u32(list, d + 8);
            if (blocks == 0) {
                continue;
            }
            long offset = BigEndian.u64(list, d) * LogicalUnit.BLOCK_SIZE;
            int rc = RangeFill.zero(lu.store(), offset, blocks * LogicalUnit.BLOCK_SIZE, true);
            if (rc < 0) {
                MediumIo.writeFailed(result, rc);
                return;
            }
        }
        MediumIo.syncIfNeeded(lu, false, result);
    }
}
