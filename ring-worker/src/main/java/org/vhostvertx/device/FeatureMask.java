package org.vhostvertx.device;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A device's "disableFeatures": virtio feature names (as the specifications spell them, without
 * their prefix: "EVENT_IDX", "RING_PACKED", "FLUSH", "MQ") turned into the bits to withhold from
 * the front end, for operators who pin a feature set across hosts or work around a driver's bug.
 * Only features the device type offers can be named, so a misspelt or foreign name is refused
 * rather than silently leaving the feature on.
 */
public final class FeatureMask {

    /** Bits vhost-user itself needs: without them no front end can drive the device. */
    private static final long REQUIRED = (1L << 32) /* VERSION_1 */ | ProtocolFeatures.F_PROTOCOL_FEATURES;

    private FeatureMask() {
    }

    /**
     * The bits named. {@code deviceNames} are the device's own bits by number
     * ({@link VirtioDevice#featureNames()}); {@code spec} says which the device offers.
     *
     * @throws DeviceException naming the first name that is not an offered feature, or one vhost-user needs
     */
    public static long of(List<String> names, DeviceSpec spec, Map<Integer, String> deviceNames, String type) {
        long offered = spec.features() | DeviceSpec.TRANSPORT;
        long mask = 0;
        for (String name : names) {
            int bit = bitOf(name, deviceNames);
            if (bit < 0 || (offered & (1L << bit)) == 0) {
                throw new DeviceException("disableFeatures: \"" + name + "\" is not a feature a " + type
                        + " device offers; it offers " + String.join(", ", offeredNames(offered & ~REQUIRED, deviceNames)));
            }
            if ((REQUIRED & (1L << bit)) != 0) {
                throw new DeviceException("disableFeatures: \"" + name + "\" cannot be disabled: vhost-user needs it");
            }
            mask |= 1L << bit;
        }
        return mask;
    }

    private static int bitOf(String name, Map<Integer, String> deviceNames) {
        for (Map.Entry<Integer, String> e : FeatureNames.TRANSPORT.entrySet()) {
            if (e.getValue().equals(name)) {
                return e.getKey();
            }
        }
        for (Map.Entry<Integer, String> e : deviceNames.entrySet()) {
            if (e.getValue().equals(name)) {
                return e.getKey();
            }
        }
        return -1;
    }

    private static TreeSet<String> offeredNames(long bits, Map<Integer, String> deviceNames) {
        TreeSet<String> names = new TreeSet<>(FeatureNames.virtio(bits, deviceNames));
        names.removeIf(n -> n.startsWith("bit "));
        return names;
    }
}
