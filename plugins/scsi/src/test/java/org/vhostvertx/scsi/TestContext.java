package org.vhostvertx.scsi;

import org.vhostvertx.device.DeviceContext;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A device context without workers: no queue runs, and the workers' barrier passes when the test says. */
final class TestContext implements DeviceContext {

    CompletableFuture<Void> barrier = CompletableFuture.completedFuture(null);

    @Override
    public String id() {
        return "s0";
    }

    @Override
    public void configChanged() {
    }

    @Override
    public void wake(int index) {
    }

    @Override
    public void runOnWorker(int index, Runnable task, Runnable notRunning) {
        notRunning.run();
    }

    @Override
    public void watch(int index, int fd, Runnable onReadable, Runnable notRunning) {
        notRunning.run();
    }

    @Override
    public CompletionStage<Void> unwatch(int index, int fd) {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> workersPassed() {
        return barrier;
    }
}
