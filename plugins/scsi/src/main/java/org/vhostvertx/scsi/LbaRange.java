package org.vhostvertx.scsi;

/**
 * The capacity check every medium access command makes (SBC-3): LBA + count must not pass
 * the end of the medium. LBAs are unsigned 64-bit, so an LBA from a 16-byte CDB may be
 * negative as a long and an LBA + count may wrap; neither slips through here.
 */
final class LbaRange {

    private LbaRange() {
    }

    static boolean fits(long lba, long count, long blocks) {
        return Long.compareUnsigned(lba, blocks) <= 0 && Long.compareUnsigned(count, blocks - lba) <= 0;
    }

    /** True when the range fits; otherwise sets LOGICAL BLOCK ADDRESS OUT OF RANGE. */
    static boolean check(LogicalUnit lu, long lba, long count, CommandResult result) {
        if (fits(lba, count, lu.blocks())) {
            return true;
        }
        result.checkCondition(SenseKeys.ILLEGAL_REQUEST, AdditionalSense.LBA_OUT_OF_RANGE, 0);
        return false;
    }
}
