package org.vhostvertx.virtq;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vhostvertx.memory.DirtyLog;
import org.vhostvertx.test.frontend.DriverRing;
import org.vhostvertx.test.frontend.DriverRing.Buf;
import org.vhostvertx.test.frontend.PackedDriverRing;
import org.vhostvertx.test.frontend.SplitDriverRing;

import java.lang.foreign.Arena;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * With a dirty log set, a pushed buffer marks the pages of the bytes its used entry reports written
 * (not the rest of the buffer, not what the device only read), and the ring's own device-written
 * parts only when the ring asked for logging.
 */
class DirtyLoggingTest {

    @ParameterizedTest(name = "packed {0}, log ring {1}")
    @CsvSource({"false,false", "false,true", "true,false", "true,true"})
    void writtenBytesAndRingWritesAreMarked(boolean packed, boolean logRing) {
        try (RingFixture f = new RingFixture(); Arena arena = Arena.ofConfined()) {
            DriverRing driver = packed ? new PackedDriverRing(f.ram, 8) : new SplitDriverRing(f.ram, 8, true);
            long features = packed ? Virtqueue.F_RING_PACKED | Virtqueue.F_EVENT_IDX : Virtqueue.F_EVENT_IDX;
            Virtqueue q = f.device(driver, features, driver.initialBase());
            long ringPages = pagesNow(f);
            DirtyLog log = DirtyLog.over(arena.allocate(f.ram.end() / 4096 / 8, 8));
            q.log(log, logRing);

            long readable = f.ram.alloc(4096, 4096);
            long writable = f.ram.alloc(5 * 4096, 4096);
            DescriptorChain chain = new DescriptorChain();
            // 100 bytes to read, then 5 pages the device may write, of which it writes 2.5.
            driver.add(Buf.in(readable, 100), Buf.out(writable, 3 * 4096), Buf.out(writable + 3 * 4096, 2 * 4096));
            q.pop(chain);
            q.push(chain, 2 * 4096 + 2048);
            q.publish();

            Set<Long> expected = new TreeSet<>();
            long first = writable / 4096;
            expected.add(first);
            expected.add(first + 1);
            expected.add(first + 2);
            if (logRing) {
                expected.add(packed ? driver.descGpa() / 4096 : driver.deviceGpa() / 4096);
            }
            Set<Long> marked = new TreeSet<>();
            for (long p = 0; p < log.pages(); p++) {
                if (log.marked(p)) {
                    marked.add(p);
                }
            }
            assertEquals(expected, marked, "ring pages start at " + ringPages);

            q.log(null, false);
            driver.add(Buf.out(writable + 4 * 4096, 4096));
            q.pop(chain);
            q.push(chain, 4096);
            q.publish();
            assertEquals(false, log.marked(first + 4), "logging off: nothing marked");
        }
    }

    static long pagesNow(RingFixture f) {
        return f.ram.alloc(0, 4096) / 4096;
    }
}
