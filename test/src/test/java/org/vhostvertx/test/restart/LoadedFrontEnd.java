package org.vhostvertx.test.restart;

import org.vhostvertx.test.frontend.DeviceKind;
import org.vhostvertx.test.frontend.GuestConnection;
import org.vhostvertx.test.frontend.VerifiedIo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Our front end as a process of its own, for {@link FrontEndKillTest} to SIGKILL: connects to a blk
 * device, a scsi device and a net reflect port (arguments: the three sockets), and on each keeps
 * verified batches of {@link #DEPTH} requests going, one thread per device, until it is killed.
 * Prints "running" once every device has completed a batch; on any failure prints it and exits 1.
 */
public final class LoadedFrontEnd {

    static final int DEPTH = 8;
    static final String RUNNING = "running";

    private LoadedFrontEnd() {
    }

    public static void main(String[] args) throws Exception {
        DeviceKind[] kinds = {DeviceKind.BLK, DeviceKind.SCSI, DeviceKind.REFLECT};
        List<VerifiedIo> ios = new ArrayList<>();
        for (int i = 0; i < kinds.length; i++) {
            // Never closed: the process ends by SIGKILL, leaving the back end to clean up.
            GuestConnection c = GuestConnection.open(Path.of(args[i]), kinds[i].queues());
            ios.add(kinds[i].io(c, i, DEPTH));
        }
        CountDownLatch firstBatches = new CountDownLatch(ios.size());
        for (VerifiedIo io : ios) {
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    for (long seed = 0; ; seed++) {
                        io.batch(seed);
                        if (seed == 0) {
                            firstBatches.countDown();
                        }
                    }
                } catch (Throwable t) {
                    t.printStackTrace();
                    System.exit(1);
                }
            });
        }
        firstBatches.await();
        System.out.println(RUNNING);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
