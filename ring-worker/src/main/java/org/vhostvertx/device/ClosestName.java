package org.vhostvertx.device;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * The known name a misspelt one was probably meant to be: the fewest single-character edits
 * (insert, delete, replace), ignoring case, since "readonly" for "readOnly" is the commonest slip.
 * A name that needs more edits than a third of its length is a different word, not a typo, and
 * has no closest name.
 */
final class ClosestName {

    private ClosestName() {
    }

    /** The known name closest to typo, the first in iteration order among equally close ones. */
    static Optional<String> to(String typo, Collection<String> known) {
        int limit = Math.max(1, typo.length() / 3);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String name : known) {
            int d = distance(typo, name);
            if (d <= limit && d < bestDistance) {
                best = name;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Levenshtein distance of a and b, case-insensitive; two rows of the usual table. */
    static int distance(String a, String b) {
        String s = a.toLowerCase(Locale.ROOT);
        String t = b.toLowerCase(Locale.ROOT);
        int[] previous = new int[t.length() + 1];
        int[] current = new int[t.length() + 1];
        for (int j = 0; j <= t.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= s.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= t.length(); j++) {
                int replace = previous[j - 1] + (s.charAt(i - 1) == t.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(replace, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[t.length()];
    }
}
