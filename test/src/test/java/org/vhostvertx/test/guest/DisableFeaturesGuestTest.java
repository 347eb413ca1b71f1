package org.vhostvertx.test.guest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "disableFeatures" as Linux sees it: two disks of one guest, both offered the packed ring by QEMU
 * (packed=on); one device withholds RING_PACKED, EVENT_IDX and FLUSH. The guest's sysfs shows those
 * bits off on that disk and on on the other, and both disks carry data.
 */
class DisableFeaturesGuestTest {

    static final int FLUSH = 9;
    static final int EVENT_IDX = 29;
    static final int RING_PACKED = 34;
    static final Pattern FEATURES = Pattern.compile("VT-INFO features (vd[a-z]) ([01]+)");

    @TempDir
    Path dir;

    JsonObject disk(String id) {
        return new JsonObject().put("id", id).put("type", "blk").put("socket", dir.resolve(id + ".sock").toString())
                .put("image", dir.resolve(id + ".img").toString()).put("size", 16L << 20);
    }

    @Test
    void linuxSeesTheDisabledFeaturesOff() throws Exception {
        GuestRequirement.require();
        JsonObject pinned = disk("pinned").put("disableFeatures", new JsonArray().add("RING_PACKED").add("EVENT_IDX")
                .add("FLUSH"));
        try (Backend backend = Backend.start(Backend.config(pinned, disk("full")))) {
            QemuGuest.Result r = QemuGuest.builder("disable-features")
                    .args("-chardev", "socket,id=c0,path=" + dir.resolve("pinned.sock"),
                            "-device", "vhost-user-blk-pci,chardev=c0,num-queues=1,packed=on",
                            "-chardev", "socket,id=c1,path=" + dir.resolve("full.sock"),
                            "-device", "vhost-user-blk-pci,chardev=c1,num-queues=1,packed=on")
                    .script("features").param("disks", 2).run();
            r.assertPassed();
            Map<String, String> features = new HashMap<>();
            Matcher m = FEATURES.matcher(r.console());
            while (m.find()) {
                features.put(m.group(1), m.group(2));
            }
            assertEquals(2, features.size(), r.console());
            for (int bit : new int[]{FLUSH, EVENT_IDX, RING_PACKED}) {
                assertEquals('0', features.get("vda").charAt(bit), "bit " + bit + " of the pinned disk: " + features);
                assertEquals('1', features.get("vdb").charAt(bit), "bit " + bit + " of the other disk: " + features);
            }
            assertTrue(features.get("vda").charAt(32) == '1', "VERSION_1 stays: " + features);
        }
    }
}
