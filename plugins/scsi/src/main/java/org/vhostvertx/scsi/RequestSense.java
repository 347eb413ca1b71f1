package org.vhostvertx.scsi;

/**
 * REQUEST SENSE (SPC-4). The transport returns sense with every CHECK CONDITION
 * (autosense), so nothing is left behind for this command except a pending unit attention,
 * which it reports and thereby clears; otherwise NO SENSE.
 */
final class RequestSense {

    private RequestSense() {
    }

    static void execute(LogicalUnit lu, byte[] cdb, DataBuffer dataIn, CommandResult result) {
        if ((cdb[1] & 0x01) != 0) {
            // DESC: we only produce fixed-format sense; SPC-4 says to refuse descriptor format
            // this way when it is not supported. The unit attention stays pending.
            result.invalidField(true, 1, 0);
            return;
        }
        int allocationLength = BigEndian.u8(cdb, 4);
        byte[] answer = new byte[CommandResult.SENSE_LENGTH];
        answer[0] = 0x70;               // current error, fixed format
        answer[7] = CommandResult.SENSE_LENGTH - 8;
        int[] attention = lu.takeUnitAttention();
        if (attention != null) {
            answer[2] = SenseKeys.UNIT_ATTENTION;
            answer[12] = (byte) attention[0];
            answer[13] = (byte) attention[1];
        } else {
            answer[2] = SenseKeys.NO_SENSE;
        }
        Reply.send(answer, answer.length, allocationLength, dataIn, result);
    }
}
