package org.vhostvertx.scsi;

/**
 * The operation codes the block device answers (SPC-4 / SBC-3), and the CDB length each has.
 * Knowing the length tells where the CONTROL byte is and whether the driver sent enough CDB.
 */
final class OpCodes {

    static final int TEST_UNIT_READY = 0x00;
    static final int REQUEST_SENSE = 0x03;
    static final int READ_6 = 0x08;
    static final int WRITE_6 = 0x0a;
    static final int INQUIRY = 0x12;
    static final int MODE_SELECT_6 = 0x15;
    static final int MODE_SENSE_6 = 0x1a;
    static final int START_STOP_UNIT = 0x1b;
    static final int PREVENT_ALLOW_MEDIUM_REMOVAL = 0x1e;
    static final int READ_CAPACITY_10 = 0x25;
    static final int READ_10 = 0x28;
    static final int WRITE_10 = 0x2a;
    static final int VERIFY_10 = 0x2f;
    static final int SYNCHRONIZE_CACHE_10 = 0x35;
    static final int WRITE_SAME_10 = 0x41;
    static final int UNMAP = 0x42;
    static final int MODE_SELECT_10 = 0x55;
    static final int MODE_SENSE_10 = 0x5a;
    static final int READ_16 = 0x88;
    static final int WRITE_16 = 0x8a;
    static final int VERIFY_16 = 0x8f;
    static final int SYNCHRONIZE_CACHE_16 = 0x91;
    static final int WRITE_SAME_16 = 0x93;
    /** SERVICE ACTION IN(16); we answer its READ CAPACITY(16) service action only. */
    static final int SERVICE_ACTION_IN_16 = 0x9e;
    static final int REPORT_LUNS = 0xa0;
    static final int READ_12 = 0xa8;
    static final int WRITE_12 = 0xaa;

    static final int SA_READ_CAPACITY_16 = 0x10;

    private OpCodes() {
    }

    /**
     * The CDB length of a supported operation code, from its group code (SAM-5: group 0 is
     * six bytes, groups 1 and 2 ten, group 4 sixteen, group 5 twelve); 0 when we do not support it.
     */
    static int cdbLength(int opcode) {
        return switch (opcode) {
            case TEST_UNIT_READY, REQUEST_SENSE, READ_6, WRITE_6, INQUIRY, MODE_SELECT_6, MODE_SENSE_6,
                 START_STOP_UNIT, PREVENT_ALLOW_MEDIUM_REMOVAL -> 6;
            case READ_CAPACITY_10, READ_10, WRITE_10, VERIFY_10, SYNCHRONIZE_CACHE_10, WRITE_SAME_10, UNMAP,
                 MODE_SELECT_10, MODE_SENSE_10 -> 10;
            case READ_16, WRITE_16, VERIFY_16, SYNCHRONIZE_CACHE_16, WRITE_SAME_16, SERVICE_ACTION_IN_16 -> 16;
            case REPORT_LUNS, READ_12, WRITE_12 -> 12;
            default -> 0;
        };
    }
}
