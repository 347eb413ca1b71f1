package org.vhostvertx.test.guest;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Which failed migration attempts run again: only those whose destination's kernel found its memory corrupt. */
class TcgMigrationCorruptionTest {

    /** Lines seen on destinations of test/guest/tcg-migration-check.sh and of MigrationGuestTest. */
    static final String LIST_DEL = "[    7.737749] list_del corruption. prev->next should be ffffcf8180083ea0, but was"
            + " ffffffff8f527f60. (prev=ffffffff8f527f60)\n[    7.741399] kernel BUG at lib/list_debug.c:59!\n";
    static final String RSS = "[   10.386166] BUG: Bad rss-counter state mm:(____ptrval____) type:MM_ANONPAGES val:19\n";
    static final String STACK = "[    7.864255] Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in:"
            + " restore_sigcontext+0x1c9/0x1d0\n";
    static final String HEALTHY = "VT-START script=migrate-net kernel=6.1.0-57-amd64\nVT-OK eth0 up\n";

    @Test
    void theFirstReportLineIsFound() {
        assertEquals("[    7.737749] list_del corruption. prev->next should be ffffcf8180083ea0, but was"
                + " ffffffff8f527f60. (prev=ffffffff8f527f60)", TcgMigrationCorruption.report(HEALTHY + LIST_DEL));
        assertEquals(RSS.strip(), TcgMigrationCorruption.report(RSS));
        assertEquals(STACK.strip(), TcgMigrationCorruption.report(STACK));
        assertNull(TcgMigrationCorruption.report(HEALTHY + "VT-FAIL ping after migration: 0 answered\n"));
    }

    @Test
    void anAttemptWhoseDestinationReportsCorruptMemoryRunsAgain() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        TcgMigrationCorruption.retry((n, destinations) -> {
            runs.incrementAndGet();
            destinations.add(new TcgMigrationCorruption.Destination("dst", () -> n == 1 ? HEALTHY + RSS : HEALTHY));
            if (n == 1) {
                throw new AssertionError("pings after 27: 0 answered in 60 s");
            }
        });
        assertEquals(2, runs.get());
    }

    @Test
    void anyOtherFailureFailsAtOnce() {
        AtomicInteger runs = new AtomicInteger();
        AssertionError e = assertThrows(AssertionError.class, () -> TcgMigrationCorruption.retry((n, destinations) -> {
            runs.incrementAndGet();
            // The source's console does not count: only destinations are looked at.
            destinations.add(new TcgMigrationCorruption.Destination("dst", () -> HEALTHY));
            throw new AssertionError("the file arrived unchanged ==> expected: <a> but was: <b>");
        }));
        assertEquals(1, runs.get());
        assertEquals("the file arrived unchanged ==> expected: <a> but was: <b>", e.getMessage());
    }

    @Test
    void theLastAttemptFailsWhateverItsCause() {
        AtomicInteger runs = new AtomicInteger();
        assertThrows(AssertionError.class, () -> TcgMigrationCorruption.retry((n, destinations) -> {
            runs.incrementAndGet();
            destinations.add(new TcgMigrationCorruption.Destination("dst", () -> LIST_DEL));
            throw new AssertionError("guest net-mig-a: rc=1");
        }));
        assertEquals(TcgMigrationCorruption.ATTEMPTS, runs.get());
    }
}
