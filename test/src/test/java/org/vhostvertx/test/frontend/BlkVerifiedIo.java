package org.vhostvertx.test.frontend;

import java.io.IOException;

/** virtio-blk: a batch writes one block per slot, all in flight at once, then reads them back and compares. */
public final class BlkVerifiedIo implements VerifiedIo {

    private final BlkDriver blk;
    private final GuestRam ram;
    private final BlkDriver.Slot[] slots;
    private final int block;

    /** Request queue 0 of fe; depth slots of block bytes, slot i on block i. */
    public BlkVerifiedIo(FrontEnd fe, int depth, int block) {
        this.ram = fe.ram();
        this.blk = new BlkDriver(fe.queue(0), ram);
        this.block = block;
        this.slots = new BlkDriver.Slot[depth];
        for (int i = 0; i < depth; i++) {
            slots[i] = blk.slot(block);
        }
    }

    @Override
    public void batch(long seed) throws IOException {
        for (int i = 0; i < slots.length; i++) {
            ram.write(slots[i].data, VerifiedIo.pattern(seed, i, block));
            blk.submitWrite(slots[i], sector(i), block);
        }
        complete("write");
        for (int i = 0; i < slots.length; i++) {
            ram.write(slots[i].data, new byte[block]);
            blk.submitRead(slots[i], sector(i), block);
        }
        complete("read");
        for (int i = 0; i < slots.length; i++) {
            VerifiedIo.check(VerifiedIo.pattern(seed, i, block), blk.data(slots[i], block), "blk block " + i);
        }
    }

    private long sector(int i) {
        return (long) i * block / 512;
    }

    private void complete(String what) throws IOException {
        VerifiedIo.awaitAll(blk.queue(), slots, s -> s.id, s -> {
            if (s.status() != 0) {
                throw new IOException("blk " + what + " of slot id " + s.id + ": status " + s.status());
            }
        }, "blk");
    }
}
