package org.vhostvertx.scsi;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** VERIFY(10) and (16) (SBC-3). */
class VerifyTest {

    private static final int VERIFY_10 = 0x2f;
    private static final int VERIFY_16 = 0x8f;
    private static final int BYTCHK = 0x02;

    private final Harness h = Harness.ram(2048);

    @AfterEach
    void close() {
        h.close();
    }

    @Test
    void withoutByteCheckOnlyTheRangeIsChecked() {
        h.good(Cdbs.rw10(VERIFY_10, 0, 0, 2048));
        h.good(Cdbs.rw16(VERIFY_16, 0, 2047, 1));
        h.good(Cdbs.rw10(VERIFY_10, 0, 5, 0));
        h.run(Cdbs.rw10(VERIFY_10, 0, 2047, 2));
        Senses.assertLbaOutOfRange(h.result);
        h.run(Cdbs.rw16(VERIFY_16, 0, -1L, 1));
        Senses.assertLbaOutOfRange(h.result);
    }

    @Test
    void equalDataVerifies() {
        byte[] data = Patterns.blocks(4, 1);
        h.write(10, data);
        h.dataOut(Cdbs.rw10(VERIFY_10, BYTCHK, 10, 4), data);
        assertEquals(2048, h.result.dataOutLength);
        h.dataOut(Cdbs.rw16(VERIFY_16, BYTCHK, 10, 4), data);
    }

    @Test
    void aDifferenceIsAMiscompareWithItsOffset() {
        byte[] data = Patterns.blocks(4, 2);
        h.write(10, data);
        byte[] other = data.clone();
        other[1234] ^= 0x01;
        h.run(Cdbs.rw10(VERIFY_10, BYTCHK, 10, 4), TestBuffer.of(other), DataBuffer.EMPTY);
        Senses.assertSenseWithInformation(h.result, 0x0e, 0x1d, 0x00, 1234);
    }

    @Test
    void aDifferenceBeyondTheFirstChunkIsFoundToo() {
        byte[] data = Patterns.blocks(256, 3);          // 128 KiB: two compare chunks
        h.write(0, data);
        byte[] other = data.clone();
        other[70_000] ^= (byte) 0x80;
        h.run(Cdbs.rw16(VERIFY_16, BYTCHK, 0, 256), TestBuffer.of(other), DataBuffer.EMPTY);
        Senses.assertSenseWithInformation(h.result, 0x0e, 0x1d, 0x00, 70_000);
        other[70_000] ^= (byte) 0x80;
        h.dataOut(Cdbs.rw16(VERIFY_16, BYTCHK, 0, 256), other);
    }

    @Test
    void unsupportedByteCheckModesAreInvalidFields() {
        for (int bytchk : new int[]{0x04, 0x06}) {
            h.run(Cdbs.rw10(VERIFY_10, bytchk, 0, 1), TestBuffer.of(new byte[512]), DataBuffer.EMPTY);
            Senses.assertInvalidCdb(h.result, 1, 2);
        }
    }

    @Test
    void protectionIsAnInvalidField() {
        h.run(Cdbs.rw16(VERIFY_16, 0x20, 0, 1));
        Senses.assertInvalidCdb(h.result, 1, 7);
    }

    @Test
    void tooLittleDataOutIsAnInvalidField() {
        h.run(Cdbs.rw10(VERIFY_10, BYTCHK, 0, 4), TestBuffer.of(new byte[1024]), DataBuffer.EMPTY);
        Senses.assertInvalidCdb(h.result, 7, 7);
        h.run(Cdbs.rw16(VERIFY_16, BYTCHK, 0, 4), DataBuffer.EMPTY, DataBuffer.EMPTY);
        Senses.assertInvalidCdb(h.result, 10, 7);
    }

    @Test
    void aReadOnlyLunVerifies() {
        try (Harness ro = Harness.readOnlyRam(64)) {
            ro.dataOut(Cdbs.rw10(VERIFY_10, BYTCHK, 0, 2), new byte[1024]);
            ro.good(Cdbs.rw10(VERIFY_10, 0, 0, 64));
        }
    }
}
