package org.vhostvertx.scsi;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** REPORT LUNS (SPC-4) with single level LUNs (SAM-5). */
class ReportLunsTest {

    private final Harness h = Harness.ram(2048);

    @AfterEach
    void close() {
        h.close();
    }

    @Test
    void oneLun() {
        assertArrayEquals(Hex.bytes("00 00 00 08 00 00 00 00  00 00 00 00 00 00 00 00"),
                h.dataIn(Cdbs.reportLuns(0, 16), 16));
    }

    @Test
    void lunsAreSortedAndAddressedPeripheralOrFlat() {
        h.luns = new int[]{300, 1, 0, 255, 16383};
        byte[] expected = Hex.bytes("00 00 00 28 00 00 00 00"
                + "00 00 00 00 00 00 00 00"
                + "00 01 00 00 00 00 00 00"
                + "00 ff 00 00 00 00 00 00"
                + "41 2c 00 00 00 00 00 00"     // 300: flat space, 0x40 | 0x01, 0x2c
                + "7f ff 00 00 00 00 00 00");   // 16383: the largest flat space LUN
        assertArrayEquals(expected, h.dataIn(Cdbs.reportLuns(0, 4096), 4096));
    }

    @Test
    void numbersNoSingleLevelLunCarriesAreLeftOut() {
        h.luns = new int[]{-1, 16384, 2};
        assertArrayEquals(Hex.bytes("00 00 00 08 00 00 00 00  00 02 00 00 00 00 00 00"),
                h.dataIn(Cdbs.reportLuns(0, 4096), 4096));
    }

    @Test
    void allLunsIsTheSameListAndWellKnownOnlyIsEmpty() {
        h.luns = new int[]{0, 1};
        byte[] all = Hex.bytes("00 00 00 10 00 00 00 00  00 00 00 00 00 00 00 00  00 01 00 00 00 00 00 00");
        assertArrayEquals(all, h.dataIn(Cdbs.reportLuns(2, 4096), 4096));
        assertArrayEquals(Hex.bytes("00 00 00 00 00 00 00 00"), h.dataIn(Cdbs.reportLuns(1, 4096), 4096));
    }

    @Test
    void theListIsCutToTheAllocationLengthButTheLengthIsWhole() {
        h.luns = new int[]{0, 1, 2};
        byte[] data = h.dataIn(Cdbs.reportLuns(0, 16), 4096);
        assertArrayEquals(Hex.bytes("00 00 00 18 00 00 00 00  00 00 00 00 00 00 00 00"), data);
    }

    @Test
    void anUnknownSelectReportIsAnInvalidField() {
        for (int select : new int[]{0x03, 0x10, 0x11, 0x12, 0xff}) {
            h.run(Cdbs.reportLuns(select, 4096), DataBuffer.EMPTY, new TestBuffer(4096));
            Senses.assertInvalidCdb(h.result, 2, 7);
            assertEquals(0, h.result.dataInLength);
        }
    }

    @Test
    void anAllocationLengthBelowSixteenIsAnInvalidField() {
        h.run(Cdbs.reportLuns(0, 15), DataBuffer.EMPTY, new TestBuffer(4096));
        Senses.assertInvalidCdb(h.result, 6, 7);
    }
}
