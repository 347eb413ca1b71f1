package org.vhostvertx.test.guest;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * QEMU 7.2 under TCG (this machine has no KVM) now and then hands the destination of a live
 * migration a guest whose memory is corrupt, whatever its devices: test/guest/tcg-migration-check.sh
 * migrates a busy guest with no vhost-user device at all, and about half of its destinations
 * report list corruption, a kernel BUG or a corrupt stack within seconds, or hang.
 *
 * <p>An attempt of a migration test whose destination's kernel reports corrupt memory therefore
 * says nothing about our back end, and runs again, {@link #ATTEMPTS} times at most. Any other
 * failure (a file that arrived changed, a round that did not go on, a destination that hung
 * without a report) fails at once, and so does the last attempt, whatever its cause.
 */
final class TcgMigrationCorruption {

    static final int ATTEMPTS = 3;

    /** What Linux prints when it finds its own memory corrupt. */
    private static final Pattern REPORT = Pattern.compile(
            "list_(?:del|add) corruption|list_add double add|kernel BUG at|BUG: Bad (?:rss-counter|page)"
                    + "|BUG: unable to handle|general protection fault|stack-protector: Kernel stack is corrupted"
                    + "|Oops: ");

    /** A destination guest of an attempt: its name and its console so far. */
    record Destination(String name, Supplier<String> console) {
        static Destination of(QemuGuest.Running guest) {
            return new Destination(guest.name(), guest::consoleSoFar);
        }
    }

    /** One attempt; it adds every destination guest it starts to destinations. */
    interface Attempt {
        void run(int attempt, List<Destination> destinations) throws Exception;
    }

    private TcgMigrationCorruption() {
    }

    /** The first line of console where the kernel reports corrupt memory, or null. */
    static String report(String console) {
        Matcher m = REPORT.matcher(console);
        if (!m.find()) {
            return null;
        }
        int start = console.lastIndexOf('\n', m.start()) + 1;
        int end = console.indexOf('\n', m.end());
        return console.substring(start, end < 0 ? console.length() : end).strip();
    }

    /** Runs attempt until it passes, or fails other than by a destination's corrupt memory, or ATTEMPTS ran. */
    static void retry(Attempt attempt) throws Exception {
        for (int n = 1; ; n++) {
            List<Destination> destinations = new ArrayList<>();
            try {
                attempt.run(n, destinations);
                return;
            } catch (Exception | AssertionError e) {
                String why = null;
                for (Destination d : destinations) {
                    String r = report(d.console().get());
                    if (r != null) {
                        why = d.name() + ": " + r;
                        break;
                    }
                }
                if (why == null || n == ATTEMPTS) {
                    throw e;
                }
                System.out.println("attempt " + n + " of " + ATTEMPTS + " void, the destination's kernel found its"
                        + " memory corrupt (QEMU's TCG migration, see TcgMigrationCorruption): " + why
                        + "\n  the attempt failed with: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
            }
        }
    }
}
