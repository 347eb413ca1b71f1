package org.vhostvertx.scsi;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.ConfigFields;
import org.vhostvertx.device.DeviceContext;
import org.vhostvertx.device.DeviceException;
import org.vhostvertx.device.DeviceFactory;
import org.vhostvertx.device.VirtioDevice;

import java.util.Optional;
import java.util.Set;

/**
 * Makes scsi devices: {@code "luns": [{...}, ...]} (LUN numbers in list order, see {@link LunSpec})
 * and {@code "queues"}, the number of request queues.
 */
public final class ScsiDeviceFactory implements DeviceFactory {

    @Override
    public String type() {
        return "scsi";
    }

    @Override
    public Optional<Set<String>> deviceFields() {
        return Optional.of(Set.of("luns", "queues"));
    }

    @Override
    public VirtioDevice create(JsonObject config, DeviceContext context) {
        int queues = ConfigFields.integer(config, "queues", 1, 1, 16);
        if (!(config.getValue("luns") instanceof JsonArray luns) || luns.isEmpty()) {
            throw new DeviceException("\"luns\" must be a non-empty array of LUN objects");
        }
        ScsiDevice device = new ScsiDevice(context, queues);
        try {
            for (int i = 0; i < luns.size(); i++) {
                if (!(luns.getValue(i) instanceof JsonObject lun)) {
                    throw new DeviceException("luns[" + i + "] must be an object");
                }
                ConfigFields.onlyKnown(lun, "luns[" + i + "]", LunSpec.FIELDS);
                device.add(LunSpec.open(lun, "luns[" + i + "]", i, context.id()));
            }
        } catch (RuntimeException e) {
            device.close();
            throw e;
        }
        return device;
    }
}
