package org.vhostvertx.test.frontend;

import java.io.IOException;
import java.util.Random;
import java.util.function.ToIntFunction;

/**
 * I/O through one of our front ends whose every byte is checked: each batch puts several requests
 * in flight at once, then checks what came back byte for byte (a block read back after its write,
 * a frame after its trip).
 */
public interface VerifiedIo {

    /** One batch; seed makes its data. Throws on any request that failed or any byte that differs. */
    void batch(long seed) throws IOException;

    /** The bytes of request i of the batch with this seed. */
    static byte[] pattern(long seed, int i, int length) {
        byte[] b = new byte[length];
        new Random(seed * 1_000_003L + i).nextBytes(b);
        return b;
    }

    /** Fails naming what and the first differing byte unless got equals want. */
    static void check(byte[] want, byte[] got, String what) throws IOException {
        int at = java.util.Arrays.mismatch(want, got);
        if (at >= 0) {
            throw new IOException(what + " differs at byte " + at + " (" + want.length + " bytes sent, "
                    + got.length + " came back)");
        }
    }

    /** What a completed request must satisfy (its status, say). */
    interface CompletionCheck<S> {
        void check(S slot) throws IOException;
    }

    /**
     * Kicks q, then waits for one completion of each slot, in any order (idOf gives the id the
     * slot's request was added with), and checks each.
     */
    static <S> void awaitAll(FrontEnd.Queue q, S[] slots, ToIntFunction<S> idOf, CompletionCheck<S> check,
                             String device) throws IOException {
        q.kickIfNeeded();
        boolean[] done = new boolean[slots.length];
        for (int n = 0; n < slots.length; n++) {
            int id = q.awaitUsed(20_000).id();
            int i = 0;
            while (i < slots.length && (done[i] || idOf.applyAsInt(slots[i]) != id)) {
                i++;
            }
            if (i == slots.length) {
                throw new IOException(device + ": completion of id " + id + ", which is not in flight");
            }
            done[i] = true;
            check.check(slots[i]);
        }
    }
}
