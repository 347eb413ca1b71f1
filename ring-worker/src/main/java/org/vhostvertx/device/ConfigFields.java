package org.vhostvertx.device;

import io.vertx.core.json.JsonObject;

/**
 * Reads a device's configuration fields with the checks every plugin needs; a wrong value throws
 * {@link DeviceException} naming the field (with where, e.g. "luns[1]", in front when given).
 */
public final class ConfigFields {

    private ConfigFields() {
    }

    private static String name(String where, String field) {
        return where == null || where.isEmpty() ? "\"" + field + "\"" : where + "." + field;
    }

    /** A whole number from min to max, or dflt when absent. */
    public static int integer(JsonObject c, String where, String field, int dflt, int min, int max) {
        Object v = c.getValue(field);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof Number n) || n.doubleValue() != n.intValue() || n.intValue() < min || n.intValue() > max) {
            throw new DeviceException(name(where, field) + " must be a whole number from " + min + " to " + max
                    + ", was " + v);
        }
        return n.intValue();
    }

    public static int integer(JsonObject c, String field, int dflt, int min, int max) {
        return integer(c, null, field, dflt, min, max);
    }

    /** true or false, false when absent. */
    public static boolean bool(JsonObject c, String where, String field) {
        Object v = c.getValue(field);
        if (v == null) {
            return false;
        }
        if (!(v instanceof Boolean b)) {
            throw new DeviceException(name(where, field) + " must be true or false, was " + v);
        }
        return b;
    }

    public static boolean bool(JsonObject c, String field) {
        return bool(c, null, field);
    }
}
