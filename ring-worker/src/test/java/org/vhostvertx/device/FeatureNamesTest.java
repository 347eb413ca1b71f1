package org.vhostvertx.device;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Feature bits by name: the transport's by the framework, a device's by the device, others as "bit N". */
class FeatureNamesTest {

    @Test
    void transportBitsAreNamedByTheFrameworkAndTheRestByTheDevice() {
        long features = (1L << 32) | (1L << 34) | (1L << 29) | (1L << 28) | (1L << 30) | (1L << 5) | (1L << 7)
                | (1L << 63);
        // A device may not rename a transport bit.
        Map<Integer, String> device = Map.ofEntries(FeatureNames.entry(1L << 5, "RO"),
                FeatureNames.entry(1L << 32, "NOT_VERSION_1"));
        assertEquals(List.of("RO", "bit 7", "INDIRECT_DESC", "EVENT_IDX", "PROTOCOL_FEATURES", "VERSION_1",
                "RING_PACKED", "bit 63"), FeatureNames.virtio(features, device));
        assertEquals(List.of(), FeatureNames.virtio(0, device));
    }

    @Test
    void protocolFeaturesAreNamedAsVhostUserNamesThem() {
        assertEquals(List.of("MQ", "REPLY_ACK", "BACKEND_REQ", "CONFIG", "INFLIGHT_SHMFD", "RESET_DEVICE",
                        "CONFIGURE_MEM_SLOTS", "STATUS", "bit 40"),
                FeatureNames.protocol(ProtocolFeatures.COMMON | ProtocolFeatures.CONFIG
                        | ProtocolFeatures.INFLIGHT_SHMFD | (1L << 40)));
    }

    @Test
    void anEntryIsOneBit() {
        assertEquals(Map.entry(12, "MQ"), FeatureNames.entry(1L << 12, "MQ"));
        assertThrows(IllegalArgumentException.class, () -> FeatureNames.entry(3, "TWO"));
        assertThrows(IllegalArgumentException.class, () -> FeatureNames.entry(0, "NONE"));
    }
}
