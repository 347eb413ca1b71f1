package org.vhostvertx.scsi;

/**
 * INQUIRY (SPC-4 §6.6): the standard inquiry data, or with EVPD one of the {@link VpdPages}.
 */
final class Inquiry {

    /** Peripheral qualifier 000b (connected) and device type 00h (direct access block device). */
    static final int DIRECT_ACCESS_DEVICE = 0x00;

    /** The standard data is 96 bytes: up to the last version descriptor and its reserved tail. */
    static final int STANDARD_LENGTH = 96;

    /** Version descriptors (SPC-4): SAM-5, SPC-4, SBC-3, each "no version claimed". */
    private static final int[] VERSION_DESCRIPTORS = {0x00a0, 0x0460, 0x04c0};

    private Inquiry() {
    }

    static void execute(LogicalUnit lu, byte[] cdb, DataBuffer dataIn, CommandResult result) {
        boolean evpd = (cdb[1] & 0x01) != 0;
        int pageCode = BigEndian.u8(cdb, 2);
        int allocationLength = BigEndian.u16(cdb, 3);
        if ((cdb[1] & 0x02) != 0) {
            // CMDDT: command support data went away in SPC-3; answering it is an invalid field.
            result.invalidField(true, 1, 1);
            return;
        }
        if (!evpd) {
            if (pageCode != 0) {
                result.invalidField(true, 2, 7);
                return;
            }
            byte[] answer = standard(lu);
            Reply.send(answer, answer.length, allocationLength, dataIn, result);
            return;
        }
        byte[] page = VpdPages.page(pageCode, lu);
        if (page == null) {
            result.invalidField(true, 2, 7);
            return;
        }
        Reply.send(page, page.length, allocationLength, dataIn, result);
    }

    static byte[] standard(LogicalUnit lu) {
        byte[] d = new byte[STANDARD_LENGTH];
        d[0] = DIRECT_ACCESS_DEVICE;
        d[1] = 0x00;                    // RMB=0: the medium is not removable
        d[2] = 0x06;                    // VERSION: SPC-4
        // HISUP: our LUNs follow SAM-5 hierarchical addressing (REPORT LUNS); RESPONSE DATA FORMAT 2.
        d[3] = 0x10 | 0x02;
        d[4] = (byte) (STANDARD_LENGTH - 5);
        d[5] = 0x00;                    // no PROTECT, no 3PC, no TPGS, no ACC, no SCCS
        d[6] = 0x00;
        d[7] = 0x02;                    // CMDQUE: commands run concurrently, any order
        AsciiField.put(d, 8, 8, lu.vendor());
        AsciiField.put(d, 16, 16, lu.product());
        AsciiField.put(d, 32, 4, lu.revision());
        for (int i = 0; i < VERSION_DESCRIPTORS.length; i++) {
            BigEndian.put16(d, 58 + 2 * i, VERSION_DESCRIPTORS[i]);
        }
        return d;
    }
}
