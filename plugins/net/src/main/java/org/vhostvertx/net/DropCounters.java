package org.vhostvertx.net;

import io.vertx.core.json.JsonObject;

import java.util.concurrent.atomic.LongAdder;

/** Frames a port did not deliver, by reason. No frame is dropped without being counted here. */
final class DropCounters {

    final LongAdder noBuffer = new LongAdder();
    final LongAdder tooLong = new LongAdder();
    final LongAdder badHeader = new LongAdder();
    final LongAdder linkDown = new LongAdder();
    final LongAdder noDestination = new LongAdder();

    JsonObject toJson() {
        return new JsonObject().put("noBuffer", noBuffer.sum()).put("tooLong", tooLong.sum())
                .put("badHeader", badHeader.sum()).put("linkDown", linkDown.sum())
                .put("noDestination", noDestination.sum());
    }
}
