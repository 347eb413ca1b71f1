package org.vhostvertx.scsi;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What happens before a command runs (operation code, CDB length, CONTROL byte) and the commands
 * with no data: TEST UNIT READY, START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL.
 */
class CommandDispatchTest {

    private final Harness h = Harness.ram(2048);

    @AfterEach
    void close() {
        h.close();
    }

    @Test
    void testUnitReady() {
        h.good(Cdbs.testUnitReady());
    }

    /** FORMAT UNIT, READ BUFFER, LOG SENSE, COMPARE AND WRITE, REPORT SUPPORTED OPCODES, vendor. */
    @ParameterizedTest
    @ValueSource(ints = {0x01, 0x04, 0x3c, 0x4d, 0x89, 0xa3, 0x7f, 0xc0, 0xff})
    void unsupportedOperationCodes(int op) {
        h.run(Cdbs.of(op));
        Senses.assertInvalidOpcode(h.result);
    }

    @Test
    void aCdbShorterThanItsGroupNeedsIsAnInvalidOperationCode() {
        h.run(Cdbs.read10(0, 1), 6, DataBuffer.EMPTY, new TestBuffer(512));
        Senses.assertInvalidOpcode(h.result);
        h.run(Cdbs.rw16(0x88, 0, 0, 1), 12, DataBuffer.EMPTY, new TestBuffer(512));
        Senses.assertInvalidOpcode(h.result);
        h.run(Cdbs.testUnitReady(), 0, DataBuffer.EMPTY, DataBuffer.EMPTY);
        Senses.assertInvalidOpcode(h.result);
        h.run(Cdbs.testUnitReady(), 6, DataBuffer.EMPTY, DataBuffer.EMPTY);
        Senses.assertGood(h.result);
        h.run(Cdbs.rw16(0x88, 0, 0, 1), 16, DataBuffer.EMPTY, new TestBuffer(512));
        Senses.assertGood(h.result);
    }

    @Test
    void nacaInTheControlByteIsAnInvalidField() {
        byte[] tur = Cdbs.testUnitReady();
        tur[5] = 0x04;
        h.run(tur);
        Senses.assertInvalidCdb(h.result, 5, 2);
        byte[] read16 = Cdbs.rw16(0x88, 0, 0, 1);
        read16[15] = 0x04;
        h.run(read16, DataBuffer.EMPTY, new TestBuffer(512));
        Senses.assertInvalidCdb(h.result, 15, 2);
        byte[] luns = Cdbs.reportLuns(0, 16);
        luns[11] = 0x04;
        h.run(luns, DataBuffer.EMPTY, new TestBuffer(16));
        Senses.assertInvalidCdb(h.result, 11, 2);
        byte[] read10 = Cdbs.read10(0, 1);
        read10[9] = (byte) 0xc0;                        // vendor specific bits are fine
        h.run(read10, DataBuffer.EMPTY, new TestBuffer(512));
        Senses.assertGood(h.result);
    }

    @Test
    void startStopUnitIsAcceptedWithoutPowerConditions() {
        h.good(Cdbs.of(0x1b, 0, 0, 0, 0x01, 0));        // START
        h.good(Cdbs.of(0x1b, 0, 0, 0, 0x00, 0));        // STOP
        h.good(Cdbs.of(0x1b, 0x01, 0, 0, 0x02, 0));     // IMMED, LOEJ (eject): nothing to eject
        h.good(Cdbs.of(0x1b, 0, 0, 0, 0x07, 0));        // NO_FLUSH, LOEJ, START
        h.run(Cdbs.of(0x1b, 0, 0, 0, 0x30, 0));         // STANDBY
        Senses.assertInvalidCdb(h.result, 4, 7);
        h.run(Cdbs.of(0x1b, 0, 0, 0, 0x11, 0));         // ACTIVE + START
        Senses.assertInvalidCdb(h.result, 4, 7);
    }

    @Test
    void preventAllowMediumRemoval() {
        h.good(Cdbs.of(0x1e, 0, 0, 0, 0x00, 0));        // allow
        h.good(Cdbs.of(0x1e, 0, 0, 0, 0x01, 0));        // prevent: never removable anyway
        h.run(Cdbs.of(0x1e, 0, 0, 0, 0x02, 0));
        Senses.assertInvalidCdb(h.result, 4, 1);
        h.run(Cdbs.of(0x1e, 0, 0, 0, 0x03, 0));
        Senses.assertInvalidCdb(h.result, 4, 1);
    }
}
