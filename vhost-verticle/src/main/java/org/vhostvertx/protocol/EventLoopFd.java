package org.vhostvertx.protocol;

import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;

/**
 * A raw descriptor watched by a verticle's Netty epoll event loop. This is the only class that
 * touches Vert.x's and Netty's internal API (the design's "checked facts" say why: Vert.x's own
 * sockets cannot carry descriptors).
 *
 * <p>Events are delivered on the verticle's context. {@link #cancel()} must run before the
 * descriptor is closed.
 */
final class EventLoopFd implements EpollIoHandle {

    private final FileDescriptor fd;
    private final ContextInternal context;
    private final Handler<Integer> onEvents;
    private volatile IoRegistration registration;

    private EventLoopFd(int fd, ContextInternal context, Handler<Integer> onEvents) {
        this.fd = new FileDescriptor(fd);
        this.context = context;
        this.onEvents = onEvents;
    }

    /** Watches fd for input (and hang-up) on the event loop of context. */
    static Future<EventLoopFd> watch(io.vertx.core.Context context, int fd, Handler<Integer> onEvents) {
        ContextInternal ctx = (ContextInternal) context;
        if (!ctx.owner().isNativeTransportEnabled()) {
            return Future.failedFuture(new IllegalStateException(
                    "Vert.x runs without its native epoll transport, which vhost-user sockets need: "
                            + ctx.owner().unavailableNativeTransportCause()));
        }
        if (!(ctx.nettyEventLoop() instanceof IoEventLoop loop) || !loop.isCompatible(EventLoopFd.class)) {
            return Future.failedFuture(new IllegalStateException("the event loop is not an epoll loop"));
        }
        EventLoopFd handle = new EventLoopFd(fd, ctx, onEvents);
        Promise<EventLoopFd> promise = ctx.promise();
        loop.register(handle).addListener(f -> {
            if (!f.isSuccess()) {
                promise.fail(f.cause());
                return;
            }
            IoRegistration reg = (IoRegistration) f.getNow();
            handle.registration = reg;
            reg.submit(EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLRDHUP));
            promise.complete(handle);
        });
        return promise.future();
    }

    @Override
    public FileDescriptor fd() {
        return fd;
    }

    @Override
    public void handle(IoRegistration reg, IoEvent event) {
        int ops = ((EpollIoEvent) event).ops().value();
        // Netty calls us without a Vert.x context; an exception here would stall the loop.
        context.dispatch(ops, onEvents);
    }

    /** Stops reporting input until {@link #resume()}; the descriptor stays registered. */
    void pause() {
        IoRegistration r = registration;
        if (r != null && r.isValid()) {
            r.submit(EpollIoOps.EPOLLERR);
        }
    }

    void resume() {
        IoRegistration r = registration;
        if (r != null && r.isValid()) {
            r.submit(EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLRDHUP));
        }
    }

    /** Stops watching. Safe to call more than once. */
    void cancel() {
        IoRegistration r = registration;
        if (r != null && r.isValid()) {
            r.cancel();
        }
    }

    @Override
    public void close() {
        cancel();
    }
}
