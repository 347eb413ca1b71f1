package org.vhostvertx.net;

import org.vhostvertx.device.QueueHandler;
import org.vhostvertx.virtq.Virtqueue;
import org.vhostvertx.worker.QueueCounters;

/**
 * The handler of a receive queue whose buffers wait for frames from elsewhere (other switch ports,
 * an application): each round it only tells its {@link Receiver} where the queue runs, and the
 * buffers are no work by themselves. eachRound and beforeStop let the port do its own part on the
 * worker (the switch's tap watch, the application's callback).
 */
final class WaitingReceiveHandler implements QueueHandler {

    private final Receiver receiver;
    private final Runnable eachRound;
    private final Runnable beforeStop;

    WaitingReceiveHandler(Receiver receiver, Runnable eachRound, Runnable beforeStop) {
        this.receiver = receiver;
        this.eachRound = eachRound;
        this.beforeStop = beforeStop;
    }

    @Override
    public boolean process(Virtqueue queue, QueueCounters counters) {
        receiver.attach(queue, counters);
        eachRound.run();
        return false;
    }

    @Override
    public boolean wantsBuffers() {
        return false;
    }

    @Override
    public void stopped() {
        beforeStop.run();
        receiver.detach();
    }
}
