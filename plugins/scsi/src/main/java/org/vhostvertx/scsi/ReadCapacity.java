package org.vhostvertx.scsi;

/**
 * READ CAPACITY(10) (SBC-3) and READ CAPACITY(16) (SBC-3, SERVICE ACTION IN(16)):
 * the last LBA and the block length, and in the long form the physical block size and that
 * logical block provisioning is on.
 */
final class ReadCapacity {

    private ReadCapacity() {
    }

    static void execute10(LogicalUnit lu, byte[] cdb, DataBuffer dataIn, CommandResult result) {
        boolean pmi = (cdb[8] & 0x01) != 0;
        // PMI and the LBA field are obsolete in SBC-3, but SBC-2 rejects an LBA without PMI and
        // compliance tests still check it; no current initiator sets either.
        if (!pmi && BigEndian.u32(cdb, 2) != 0) {
            result.invalidField(true, 2, 7);
            return;
        }
        long last = lu.blocks() - 1;
        byte[] answer = new byte[8];
        // FFFFFFFFh tells the initiator to ask READ CAPACITY(16) instead.
        BigEndian.put32(answer, 0, Math.min(last, 0xffff_ffffL));
        BigEndian.put32(answer, 4, LogicalUnit.BLOCK_SIZE);
        Reply.send(answer, answer.length, answer.length, dataIn, result);
    }

    static void execute16(LogicalUnit lu, byte[] cdb, DataBuffer dataIn, CommandResult result) {
        if ((cdb[1] & 0x1f) != OpCodes.SA_READ_CAPACITY_16) {
            // An unsupported service action is an invalid field (SPC-4), not an opcode.
            result.invalidField(true, 1, 4);
            return;
        }
        long allocationLength = BigEndian.u32(cdb, 10);
        boolean pmi = (cdb[14] & 0x01) != 0;
        if (!pmi && BigEndian.u64(cdb, 2) != 0) {
            result.invalidField(true, 2, 7);
            return;
        }
        byte[] answer = new byte[32];
        BigEndian.put64(answer, 0, lu.blocks() - 1);
        BigEndian.put32(answer, 8, LogicalUnit.BLOCK_SIZE);
        answer[12] = 0;                 // no protection information
        answer[13] = BlockLimits.LOGICAL_PER_PHYSICAL_EXPONENT;
        // LBPME: UNMAP and WRITE SAME unmap; LBPRZ: unmapped blocks read zeros. LOWEST ALIGNED LBA 0.
        answer[14] = (byte) (0x80 | 0x40);
        Reply.send(answer, answer.length, allocationLength, dataIn, result);
    }
}
