package org.vhostvertx.virtq;

import org.vhostvertx.memory.GuestMemory;

/** Builds descriptor chains over test guest memory without a ring, for tests of code that takes chains. */
public final class TestChains {

    private TestChains() {
    }

    /** Makes chain a buffer of the given descriptors: each {gpa, length}, readable ones first, then writable ones. */
    public static void fill(DescriptorChain chain, GuestMemory memory, long[][] readable, long[][] writable) {
        chain.reset(0);
        for (long[] d : readable) {
            chain.add(memory, d[0], (int) d[1], false);
        }
        for (long[] d : writable) {
            chain.add(memory, d[0], (int) d[1], true);
        }
    }
}
