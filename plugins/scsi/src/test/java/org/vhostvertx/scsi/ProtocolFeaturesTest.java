package org.vhostvertx.scsi;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.vhostvertx.device.ProtocolFeatures;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The protocol features a scsi device offers beyond the common ones: INFLIGHT_SHMFD, so that a
 * restarted back end resumes the requests in flight; not CONFIG, which QEMU's vhost-user-scsi
 * keeps itself and warns about.
 */
class ProtocolFeaturesTest {

    @Test
    void scsiOffersInflightShmfdAndNotConfig() {
        ScsiDevice device = (ScsiDevice) new ScsiDeviceFactory().create(new JsonObject().put("luns",
                new JsonArray().add(new JsonObject().put("ram", true).put("size", "1M"))), new TestContext());
        try {
            assertEquals(ProtocolFeatures.INFLIGHT_SHMFD, device.spec().protocolFeatures());
        } finally {
            device.close();
        }
    }
}
