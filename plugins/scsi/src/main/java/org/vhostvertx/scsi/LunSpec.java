package org.vhostvertx.scsi;

import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.ConfigFields;
import org.vhostvertx.device.DeviceException;
import org.vhostvertx.storage.ImageStore;
import org.vhostvertx.storage.Sizes;

import java.nio.file.Path;
import java.util.Set;

/**
 * One LUN as configured (an entry of "luns", or the body of a "lun-add" action): {@code image}
 * (created sparse at {@code size} if absent) or {@code ram: true} with a size, {@code readOnly},
 * {@code vendor} (8 characters at most), {@code product} (16), {@code revision} (4), {@code serial}.
 */
final class LunSpec {

    /**
     * The fields of a LUN object. {@link #open} leaves refusing others to its caller, which knows
     * what else its object carries (a lun-add request: the action and the LUN number).
     */
    static final Set<String> FIELDS = Set.of("image", "ram", "size", "readOnly", "locking", "direct", "vendor", "product",
            "revision", "serial");

    private LunSpec() {
    }

    static LogicalUnit open(JsonObject c, String where, int lun, String deviceId) {
        boolean readOnly = ConfigFields.bool(c, where, "readOnly");
        boolean ram = ConfigFields.bool(c, where, "ram");
        boolean direct = ConfigFields.bool(c, where, "direct");
        String vendor = text(c, where, "vendor", "VHOSTVX", 8);
        String product = text(c, where, "product", "vhost-vertx disk", 16);
        String revision = text(c, where, "revision", "0.1", 4);
        String serial = text(c, where, "serial", deviceId + "-" + lun, 64);
        long size = -1;
        if (c.getValue("size") != null) {
            try {
                size = Sizes.parse(c.getValue("size"), "size");
            } catch (DeviceException e) {
                throw new DeviceException(where + "." + e.getMessage());
            }
            if (size < 512 || size % 512 != 0) {
                throw new DeviceException(where + ".size must be a positive multiple of 512 bytes, was " + size);
            }
        }
        ImageStore store;
        try {
            if (ram) {
                if (size < 0) {
                    throw new DeviceException(where + ": a RAM LUN needs \"size\"");
                }
                if (direct) {
                    throw new DeviceException(where + ".direct applies to an image file, not to \"ram\": true");
                }
                store = ImageStore.ram(size);
            } else {
                if (!(c.getValue("image") instanceof String path) || path.isBlank()) {
                    throw new DeviceException(where + ".image must be the path of a raw image file (or set \"ram\": true)");
                }
                store = ImageStore.file(Path.of(path), size, readOnly, ConfigFields.bool(c, where, "locking", true),
                        direct);
            }
        } catch (DeviceException e) {
            throw e.getMessage().startsWith(where) ? e : new DeviceException(where + ": " + e.getMessage(), e);
        }
        return new LogicalUnit(lun, store, readOnly, vendor, product, revision, serial);
    }

    private static String text(JsonObject c, String where, String field, String dflt, int max) {
        Object v = c.getValue(field);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof String s) || s.length() > max || !s.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f)) {
            throw new DeviceException(where + "." + field + " must be printable ASCII of at most " + max
                    + " characters, was " + v);
        }
        return s;
    }
}
