package org.vhostvertx.test.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What this process holds: open descriptors and memory mappings (the back end runs in it). */
final class ProcessResources {

    private ProcessResources() {
    }

    static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    /** Mappings of memfds with this name. */
    static long mappings(String memfdName) throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.filter(l -> l.contains("memfd:" + memfdName)).count();
        }
    }
}
