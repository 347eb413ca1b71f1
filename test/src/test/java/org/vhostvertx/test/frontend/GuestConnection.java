package org.vhostvertx.test.frontend;

import java.io.IOException;
import java.nio.file.Path;

/** A guest's memory and our front end on it, connected to one device with its queues started; closing ends both. */
public record GuestConnection(GuestRam ram, FrontEnd fe) implements AutoCloseable {

    /** Guest memory of 4 MiB and a split ring of 256 per queue. */
    public static GuestConnection open(Path socket, int queues) throws IOException {
        GuestRam ram = new GuestRam(0, 4 << 20);
        try {
            return new GuestConnection(ram, FrontEnd.start(socket, ram, FrontEnd.Options.split().withQueues(queues)));
        } catch (IOException | RuntimeException e) {
            ram.close();
            throw e;
        }
    }

    @Override
    public void close() {
        fe.close();
        ram.close();
    }
}
