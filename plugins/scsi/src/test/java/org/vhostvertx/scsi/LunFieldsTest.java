package org.vhostvertx.scsi;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.device.DeviceContext;
import org.vhostvertx.device.DeviceException;
import org.vhostvertx.device.VirtioDevice;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A LUN object, configured or added by action, refuses a field it does not know and takes all it does. */
class LunFieldsTest {

    @TempDir
    Path dir;

    static final DeviceContext CONTEXT = new TestContext();

    static JsonObject ramLun() {
        return new JsonObject().put("ram", true).put("size", "1M");
    }

    static VirtioDevice create(JsonObject... luns) {
        return new ScsiDeviceFactory().create(new JsonObject().put("luns", new JsonArray(java.util.List.of(luns))),
                CONTEXT);
    }

    @Test
    void aMisspeltLunFieldIsRefused() {
        assertEquals("luns[1].readonly is not a field; did you mean \"readOnly\"?", assertThrows(DeviceException.class,
                () -> create(ramLun(), ramLun().put("readonly", true))).getMessage());
        assertEquals("luns[0].model is not a field; known fields: direct, image, locking, product, ram, readOnly, "
                + "revision, serial, size, vendor", assertThrows(DeviceException.class,
                () -> create(ramLun().put("model", "X"))).getMessage());
    }

    @Test
    void aLunWithEveryFieldIsTaken() {
        JsonObject lun = new JsonObject().put("image", dir.resolve("l0.img").toString()).put("ram", false)
                .put("size", "1M").put("readOnly", false).put("locking", true).put("direct", true).put("vendor", "V")
                .put("product", "P").put("revision", "1").put("serial", "S");
        assertEquals(LunSpec.FIELDS, lun.fieldNames());
        VirtioDevice device = create(lun);
        try {
            assertEquals("S", ((ScsiDevice) device).lun(0).serial());
            assertEquals(512, ((ScsiDevice) device).lun(0).store().directAlignment(), "opened O_DIRECT");
        } finally {
            device.close();
        }
    }

    @Test
    void lunAddRefusesAMisspeltFieldAndTakesTheLunObjectWithItsNumber() {
        VirtioDevice device = create(ramLun());
        try {
            assertEquals("lun.prodcut is not a field; did you mean \"product\"?", assertThrows(DeviceException.class,
                    () -> device.control("lun-add", ramLun().put("action", "lun-add").put("prodcut", "X")))
                    .getMessage());
            assertEquals(1, device.describe().getJsonArray("luns").size(), "nothing added");
            assertEquals(5, device.control("lun-add", ramLun().put("action", "lun-add").put("lun", 5)
                    .put("product", "X")).getInteger("lun"));
        } finally {
            device.close();
        }
    }
}
