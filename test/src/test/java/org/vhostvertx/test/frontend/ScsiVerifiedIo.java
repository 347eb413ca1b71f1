package org.vhostvertx.test.frontend;

import java.io.IOException;

/**
 * virtio-scsi: a batch sends WRITE(16) of one block per slot to LUN 0, all in flight at once, then
 * READ(16) of the same blocks, and compares.
 */
public final class ScsiVerifiedIo implements VerifiedIo {

    private static final int BLOCK = 512;

    private final FrontEnd.Queue queue;
    private final ScsiDriver scsi;
    private final GuestRam ram;
    private final ScsiDriver.Slot[] slots;

    /**
     * The first request queue (queue 2) of fe, depth slots. A fresh LUN answers its first command
     * with a unit attention (power on), so TEST UNIT READY runs until it is GOOD.
     */
    public ScsiVerifiedIo(FrontEnd fe, int depth) throws IOException {
        this.queue = fe.queue(2);
        this.ram = fe.ram();
        this.scsi = new ScsiDriver(queue, ram, BLOCK);
        this.slots = new ScsiDriver.Slot[depth];
        for (int i = 0; i < depth; i++) {
            slots[i] = scsi.slot(BLOCK);
        }
        int tries = 0;
        while (scsi.command(ScsiDriver.lun(0), new byte[6], new byte[0], 0).status() != 0) {
            if (++tries == 4) {
                throw new IOException("LUN 0 is not ready after " + tries + " TEST UNIT READY");
            }
        }
    }

    @Override
    public void batch(long seed) throws IOException {
        for (int i = 0; i < slots.length; i++) {
            ram.write(slots[i].data, VerifiedIo.pattern(seed, i, BLOCK));
            scsi.submit(slots[i], true, i, BLOCK);
        }
        complete("WRITE");
        for (int i = 0; i < slots.length; i++) {
            ram.write(slots[i].data, new byte[BLOCK]);
            scsi.submit(slots[i], false, i, BLOCK);
        }
        complete("READ");
        for (int i = 0; i < slots.length; i++) {
            VerifiedIo.check(VerifiedIo.pattern(seed, i, BLOCK), ram.read(slots[i].data, BLOCK), "scsi block " + i);
        }
    }

    private void complete(String what) throws IOException {
        VerifiedIo.awaitAll(queue, slots, s -> s.id, s -> {
            if (!s.good()) {
                throw new IOException("scsi " + what + " of slot id " + s.id + " did not complete GOOD");
            }
        }, "scsi");
    }
}
