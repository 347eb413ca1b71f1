package org.vhostvertx.device;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FeatureMaskTest {

    /** A device offering its bit 9 ("FLUSH") but not its bit 5 ("RO"), which it names too. */
    static final DeviceSpec SPEC = new DeviceSpec(2, 1L << 9, 0, 1, 256);
    static final Map<Integer, String> NAMES = Map.of(9, "FLUSH", 5, "RO");

    @Test
    void namesBecomeTheirBitsAndLeaveTheOffer() {
        long mask = FeatureMask.of(List.of("FLUSH", "RING_PACKED", "EVENT_IDX"), SPEC, NAMES, "blk");
        assertEquals((1L << 9) | (1L << 34) | (1L << 29), mask);
        DeviceSpec withheld = SPEC.withholding(mask);
        assertEquals(0, withheld.offered() & mask);
        assertEquals(SPEC.offered() & ~mask, withheld.offered());
        assertTrue((SPEC.offered() & mask) == mask, "all three were offered before");
        assertEquals(0, FeatureMask.of(List.of(), SPEC, NAMES, "blk"));
    }

    @Test
    void aNamedBitTheDeviceDoesNotOfferIsRefused() {
        DeviceException e = assertThrows(DeviceException.class,
                () -> FeatureMask.of(List.of("RO"), SPEC, NAMES, "blk"));
        assertEquals("disableFeatures: \"RO\" is not a feature a blk device offers; it offers EVENT_IDX, FLUSH,"
                + " INDIRECT_DESC, LOG_ALL, RING_PACKED", e.getMessage());
        assertThrows(DeviceException.class, () -> FeatureMask.of(List.of("NOTIFY_ON_EMPTY"), SPEC, NAMES, "blk"));
        assertThrows(DeviceException.class, () -> FeatureMask.of(List.of("bit 9"), SPEC, NAMES, "blk"));
    }

    @Test
    void whatVhostUserNeedsCannotBeDisabled() {
        for (String name : List.of("VERSION_1", "PROTOCOL_FEATURES")) {
            assertEquals("disableFeatures: \"" + name + "\" cannot be disabled: vhost-user needs it",
                    assertThrows(DeviceException.class, () -> FeatureMask.of(List.of(name), SPEC, NAMES, "blk"))
                            .getMessage());
        }
    }
}
