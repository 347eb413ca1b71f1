package org.vhostvertx.scsi;

/**
 * Sends a small answer (INQUIRY, MODE SENSE, ...): the device server builds the whole answer and
 * transfers no more than the allocation length (SPC-4) and than the data-in room the
 * driver gave; the rest is residual, never an error.
 */
final class Reply {

    private Reply() {
    }

    static void send(byte[] answer, int answerLength, long allocationLength, DataBuffer dataIn, CommandResult result) {
        long n = Math.min(answerLength, Math.min(allocationLength, dataIn.length()));
        if (n > 0) {
            dataIn.put(0, answer, 0, (int) n);
        }
        result.dataInLength = Math.max(n, 0);
    }
}
