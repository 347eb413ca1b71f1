package org.vhostvertx.blk;

import org.vhostvertx.storage.ImageStore;
import org.vhostvertx.storage.Sizes;

import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.ConfigFields;
import org.vhostvertx.device.DeviceContext;
import org.vhostvertx.device.DeviceException;
import org.vhostvertx.device.DeviceFactory;
import org.vhostvertx.device.VirtioDevice;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * Makes blk devices from configuration: {@code "image"} (a raw file, created sparse at
 * {@code "size"} if absent) or {@code "ram": true} with a {@code "size"}; {@code "readOnly"},
 * {@code "locking"}, {@code "direct"} (O_DIRECT), {@code "queues"}, {@code "blockSize"} (512 or 4096),
 * {@code "serial"} (GET_ID, 20 bytes at most).
 */
public final class BlkDeviceFactory implements DeviceFactory {

    @Override
    public String type() {
        return "blk";
    }

    @Override
    public Optional<Set<String>> deviceFields() {
        return Optional.of(Set.of("image", "ram", "size", "readOnly", "locking", "direct", "queues", "blockSize", "serial"));
    }

    @Override
    public VirtioDevice create(JsonObject config, DeviceContext context) {
        boolean readOnly = ConfigFields.bool(config, "readOnly");
        boolean ram = ConfigFields.bool(config, "ram");
        int queues = ConfigFields.integer(config, "queues", 1, 1, 64);
        int blockSize = ConfigFields.integer(config, "blockSize", 512, 512, 4096);
        if (blockSize != 512 && blockSize != 4096) {
            throw new DeviceException("\"blockSize\" must be 512 or 4096, was " + blockSize);
        }
        String serial = config.getValue("serial") == null ? context.id() : String.valueOf(config.getValue("serial"));
        if (serial.length() > 20) {
            throw new DeviceException("\"serial\" has at most 20 characters, was \"" + serial + "\"");
        }
        long size = config.getValue("size") == null ? -1 : Sizes.parse(config.getValue("size"), "size");
        if (size != -1 && (size < 512 || size % 512 != 0)) {
            throw new DeviceException("\"size\" must be a positive multiple of 512 bytes, was " + size);
        }
        ImageStore store;
        if (ram) {
            if (config.getValue("image") != null) {
                throw new DeviceException("\"image\" and \"ram\": true exclude each other");
            }
            if (size < 0) {
                throw new DeviceException("a RAM disk needs \"size\"");
            }
            if (ConfigFields.bool(config, "direct")) {
                throw new DeviceException("\"direct\": true applies to an image file, not to \"ram\": true");
            }
            store = ImageStore.ram(size);
        } else {
            Object image = config.getValue("image");
            if (!(image instanceof String path) || path.isBlank()) {
                throw new DeviceException("\"image\" must be the path of a raw image file (or set \"ram\": true)");
            }
            store = ImageStore.file(Path.of(path), size, readOnly, ConfigFields.bool(config, null, "locking", true),
                    ConfigFields.bool(config, "direct"));
        }
        return new BlkDevice(context, store, readOnly, queues, blockSize, serial);
    }
}
