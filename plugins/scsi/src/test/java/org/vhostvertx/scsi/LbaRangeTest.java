package org.vhostvertx.scsi;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The capacity check, at its edges and with unsigned 64-bit LBAs. */
class LbaRangeTest {

    @Test
    void edges() {
        assertTrue(LbaRange.fits(0, 100, 100));
        assertTrue(LbaRange.fits(99, 1, 100));
        assertTrue(LbaRange.fits(100, 0, 100));
        assertFalse(LbaRange.fits(100, 1, 100));
        assertFalse(LbaRange.fits(99, 2, 100));
        assertFalse(LbaRange.fits(101, 0, 100));
    }

    @Test
    void lbasThatWouldWrapDoNotFit() {
        assertFalse(LbaRange.fits(-1L, 1, 100));
        assertFalse(LbaRange.fits(-1L, 0, 100));
        assertFalse(LbaRange.fits(Long.MIN_VALUE, 1, 100));
        assertFalse(LbaRange.fits(50, 0xffff_ffffL, 100));
        assertFalse(LbaRange.fits(1, Long.MAX_VALUE, Long.MAX_VALUE));
    }
}
