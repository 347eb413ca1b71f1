package org.vhostvertx.test.console;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads samples out of the Prometheus text format. */
final class PrometheusText {

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private PrometheusText() {
    }

    /**
     * The value of the one sample of this metric whose labels include these name/value pairs;
     * -1 when there is none. More than one is an error.
     */
    static double value(String text, String metric, String... labels) {
        Double found = null;
        for (String line : text.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (line.startsWith("#") || !m.matches() || !m.group(1).equals(metric)) {
                continue;
            }
            Map<String, String> have = new HashMap<>();
            Matcher l = LABEL.matcher(m.group(2) == null ? "" : m.group(2));
            while (l.find()) {
                have.put(l.group(1), l.group(2));
            }
            boolean all = true;
            for (int i = 0; i < labels.length; i += 2) {
                all &= labels[i + 1].equals(have.get(labels[i]));
            }
            if (all) {
                if (found != null) {
                    throw new AssertionError("more than one " + metric + " with " + String.join(",", labels));
                }
                found = Double.parseDouble(m.group(3));
            }
        }
        return found == null ? -1 : found;
    }
}
