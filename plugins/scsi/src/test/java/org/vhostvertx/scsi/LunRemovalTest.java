package org.vhostvertx.scsi;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A removed LUN leaves the device at once, but its image stays open until every worker has
 * finished the round in which a command may still have been using it.
 */
class LunRemovalTest {

    @Test
    void theImageClosesWhenTheWorkersHavePassedNotBefore() throws Exception {
        TestContext context = new TestContext();
        ScsiDevice device = (ScsiDevice) new ScsiDeviceFactory().create(new JsonObject().put("luns",
                new JsonArray().add(new JsonObject().put("ram", true).put("size", "1M"))), context);
        int fd = device.lun(0).store().fd();
        Path link = Path.of("/proc/self/fd/" + fd);
        String image = Files.readSymbolicLink(link).toString();
        context.barrier = new CompletableFuture<>();

        device.control("lun-remove", new JsonObject().put("action", "lun-remove").put("lun", 0));

        assertNull(device.lun(0), "the LUN is gone for new commands");
        assertEquals(image, Files.readSymbolicLink(link).toString(), "its image is open while a worker may use it");
        context.barrier.complete(null);
        assertFalse(Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                && Files.readSymbolicLink(link).toString().equals(image), "closed once the workers passed");
        device.close();
    }
}
