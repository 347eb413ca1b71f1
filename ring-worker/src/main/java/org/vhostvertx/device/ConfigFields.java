package org.vhostvertx.device;

import io.vertx.core.json.JsonObject;

import java.util.Set;
import java.util.TreeSet;

/**
 * Reads configuration fields with the checks every level of the configuration needs, for the
 * launcher (the top level and the fields every device has) and for plugins (their own fields and
 * the objects nested in them) alike, so a refusal reads the same wherever it comes from. A wrong
 * value, or a field that is not one, throws {@link DeviceException} naming the field: with where
 * in front when given ({@code luns[1].readOnly}), quoted when not ({@code "queues"}).
 */
public final class ConfigFields {

    private ConfigFields() {
    }

    private static String name(String where, String field) {
        return where == null || where.isEmpty() ? "\"" + field + "\"" : where + "." + field;
    }

    /**
     * Refuses the first field of c that is not among fields, with the closest of them (e.g.
     * {@code devices[0].readonly is not a field; did you mean "readOnly"?}) or, when none is close,
     * all of them: a misspelt field would otherwise be ignored and its default used in silence.
     */
    public static void onlyKnown(JsonObject c, String where, Set<String> fields) {
        for (String field : c.fieldNames()) {
            if (fields.contains(field)) {
                continue;
            }
            // Sorted, so the suggestion among equally close names and the list are the same every run.
            Set<String> known = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
            known.addAll(fields);
            throw new DeviceException(name(where, field) + " is not a field; " + ClosestName.to(field, known)
                    .map(closest -> "did you mean \"" + closest + "\"?")
                    .orElse("known fields: " + String.join(", ", known)));
        }
    }

    /** A whole number from min to max, or dflt when absent. */
    public static int integer(JsonObject c, String where, String field, int dflt, int min, int max) {
        Object v = c.getValue(field);
        if (v == null) {
            return dflt;
        }
        // Compared as long: a value beyond int would otherwise wrap into the range.
        if (!(v instanceof Number n) || n.doubleValue() != n.longValue() || n.longValue() < min
                || n.longValue() > max) {
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
        return bool(c, where, field, false);
    }

    /** true or false, dflt when absent. */
    public static boolean bool(JsonObject c, String where, String field, boolean dflt) {
        Object v = c.getValue(field);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof Boolean b)) {
            throw new DeviceException(name(where, field) + " must be true or false, was " + v);
        }
        return b;
    }

    public static boolean bool(JsonObject c, String field) {
        return bool(c, null, field);
    }

    /** A string that is not blank; required. */
    public static String string(JsonObject c, String where, String field) {
        Object v = c.getValue(field);
        if (!(v instanceof String s) || s.isBlank()) {
            throw new DeviceException(name(where, field) + " must be a non-empty string"
                    + (v == null ? "" : ", was " + v));
        }
        return s;
    }

    /** A string that is not blank, or dflt when absent. */
    public static String string(JsonObject c, String where, String field, String dflt) {
        return c.getValue(field) == null ? dflt : string(c, where, field);
    }
}
