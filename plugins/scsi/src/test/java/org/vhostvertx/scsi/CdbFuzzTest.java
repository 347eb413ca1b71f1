package org.vhostvertx.scsi;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.vhostvertx.storage.ImageStore;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CDB interpreter over a RAM LUN, as the request queue drives it: a few commands in a row (so
 * MODE SELECT, WRITE, UNMAP and unit attentions affect the next), each with a fuzzed CDB and CDB
 * length, data-out bytes and a data-in buffer of any size, whose file transfers may come short or
 * fail with an errno as guest memory can make them.
 *
 * <p>Properties: no exception escapes {@link BlockCommands#execute}; the status is GOOD with no
 * sense, or CHECK CONDITION with 18 bytes of fixed-format current sense (response code 70h, with or
 * without VALID; additional length 10) and a sense key that reports an error; no more data moved
 * than the buffers hold.
 *
 * <p>In a plain build this replays the inputs under
 * {@code src/test/resources/org/vhostvertx/scsi/CdbFuzzTestInputs/execute}; {@code bin/fuzz scsi}
 * runs a campaign.
 */
class CdbFuzzTest {

    private static final Set<Integer> ERROR_KEYS = Set.of(SenseKeys.RECOVERED_ERROR, SenseKeys.NOT_READY,
            SenseKeys.MEDIUM_ERROR, SenseKeys.HARDWARE_ERROR, SenseKeys.ILLEGAL_REQUEST, SenseKeys.UNIT_ATTENTION,
            SenseKeys.DATA_PROTECT, SenseKeys.ABORTED_COMMAND, SenseKeys.MISCOMPARE);

    @FuzzTest(maxDuration = "60s")
    void execute(FuzzedDataProvider data) {
        long blocks = data.consumeLong(1, 256);
        boolean readOnly = data.consumeBoolean();
        boolean keepAttention = data.consumeBoolean();
        try (Harness h = new Harness(Harness.lun(ImageStore.ram(blocks * LogicalUnit.BLOCK_SIZE), readOnly),
                keepAttention)) {
            h.luns = data.consumeBoolean() ? new int[]{0} : data.consumeInts(data.consumeInt(0, 8));
            int commands = data.consumeInt(1, 4);
            for (int i = 0; i < commands; i++) {
                byte[] cdb = data.consumeBytes(data.consumeInt(0, 32));
                int cdbLength = data.consumeBoolean() ? cdb.length : data.consumeInt(-1, 40);
                TestBuffer out = TestBuffer.of(data.consumeBytes(data.consumeInt(0, 4096)));
                TestBuffer in = new TestBuffer(data.consumeInt(0, 64 * 1024 + 512));
                for (TestBuffer b : new TestBuffer[]{out, in}) {
                    switch (data.consumeInt(0, 3)) {
                        case 1 -> b.shortTransfers(data.consumeLong(1, 4096));
                        // EIO, EFAULT, ENOSPC: lasting errors (EINTR is retried, so a buffer failing with it forever would hang).
                        case 2 -> b.failFrom(data.consumeLong(0, b.length()), data.pickValue(new int[]{5, 14, 28}));
                        default -> {
                        }
                    }
                }
                CommandResult r = h.run(cdb, cdbLength, out, in);
                check(r, out, in);
            }
        }
    }

    private static void check(CommandResult r, TestBuffer out, TestBuffer in) {
        assertTrue(r.dataInLength >= 0 && r.dataInLength <= in.length(),
                r.dataInLength + " bytes in for a buffer of " + in.length());
        assertTrue(r.dataOutLength >= 0 && r.dataOutLength <= out.length(),
                r.dataOutLength + " bytes out of a buffer of " + out.length());
        if (r.status == CommandResult.GOOD) {
            assertEquals(0, r.senseLength, "sense with GOOD");
            return;
        }
        assertEquals(CommandResult.CHECK_CONDITION, r.status, "status");
        assertEquals(CommandResult.SENSE_LENGTH, r.senseLength, "sense length");
        assertEquals(0x70, r.sense[0] & 0x7f, "response code: fixed format, current");
        assertEquals(CommandResult.SENSE_LENGTH - 8, r.sense[7], "additional sense length");
        assertTrue(ERROR_KEYS.contains(r.sense[2] & 0x0f), "sense key " + (r.sense[2] & 0x0f));
    }
}
