package org.vhostvertx.storage;

import org.vhostvertx.device.DeviceException;

/** Parses sizes written as a byte count or with a binary suffix: 512, "64K", "1G". */
public final class Sizes {

    private Sizes() {
    }

    public static long parse(Object value, String field) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        if (!(value instanceof String s) || s.isBlank()) {
            throw new DeviceException("\"" + field + "\" must be a byte count or a size like \"1G\", was " + value);
        }
        String t = s.trim().toUpperCase();
        long unit = 1;
        char last = t.charAt(t.length() - 1);
        switch (last) {
            case 'K' -> unit = 1L << 10;
            case 'M' -> unit = 1L << 20;
            case 'G' -> unit = 1L << 30;
            case 'T' -> unit = 1L << 40;
            default -> {
            }
        }
        if (unit != 1) {
            t = t.substring(0, t.length() - 1);
        }
        try {
            long n = Long.parseLong(t);
            if (n < 0 || n > Long.MAX_VALUE / unit) {
                throw new NumberFormatException();
            }
            return n * unit;
        } catch (NumberFormatException e) {
            throw new DeviceException("\"" + field + "\" must be a byte count or a size like \"1G\", was \"" + s + "\"");
        }
    }
}
