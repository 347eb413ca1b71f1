package org.vhostvertx.scsi;

import java.util.Arrays;

/**
 * REPORT LUNS (SPC-4): the target's logical units as eight-byte single level LUNs
 * (SAM-5): peripheral device addressing (00b) for 0..255, flat space addressing (01b) for
 * 256..16383, the same forms virtio-scsi puts in its request header.
 */
final class ReportLuns {

    static final int MAX_FLAT_LUN = 0x3fff;

    private ReportLuns() {
    }

    static void execute(int[] luns, byte[] cdb, DataBuffer dataIn, CommandResult result) {
        int selectReport = BigEndian.u8(cdb, 2);
        long allocationLength = BigEndian.u32(cdb, 6);
        // 00h: the LUNs of the target; 01h: well known LUNs only, of which we have none;
        // 02h: both. Later SPC revisions add administrative selections we do not have.
        if (selectReport > 0x02) {
            result.invalidField(true, 2, 7);
            return;
        }
        if (allocationLength < 16) {
            // SPC-4: an allocation length below 16 is an invalid field, not a short answer.
            result.invalidField(true, 6, 7);
            return;
        }
        int[] sorted = selectReport == 0x01 ? new int[0] : reportable(luns);
        byte[] answer = new byte[8 + 8 * sorted.length];
        BigEndian.put32(answer, 0, 8L * sorted.length);
        for (int i = 0; i < sorted.length; i++) {
            encode(sorted[i], answer, 8 + 8 * i);
        }
        Reply.send(answer, answer.length, allocationLength, dataIn, result);
    }

    /** Ascending, without numbers a single level LUN cannot carry. */
    private static int[] reportable(int[] luns) {
        return Arrays.stream(luns == null ? new int[0] : luns)
                .filter(l -> l >= 0 && l <= MAX_FLAT_LUN)
                .sorted()
                .toArray();
    }

    static void encode(int lun, byte[] dst, int off) {
        if (lun < 256) {
            dst[off] = 0x00;            // peripheral device addressing, bus 0
        } else {
            dst[off] = (byte) (0x40 | (lun >>> 8));  // flat space addressing
        }
        dst[off + 1] = (byte) lun;
    }
}
