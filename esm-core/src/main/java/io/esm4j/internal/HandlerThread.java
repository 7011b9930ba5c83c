package io.esm4j.internal;

import io.esm4j.settings.HandlerThreads;

/** The builder of a thread that calls the handler (a stream lane, a queue poller), of the kind the settings choose. */
public final class HandlerThread {

    private HandlerThread() {
    }

    public static Thread.Builder builder(HandlerThreads kind, String name) {
        return switch (kind) {
            case VIRTUAL -> Thread.ofVirtual().name(name);
            // Daemon, as a virtual thread is: the mapping's KeepAlive hold is what keeps the JVM alive until it has
            // stopped, and a handler thread still running after a stop's timeout must not keep it alive beyond that.
            case PLATFORM -> Thread.ofPlatform().daemon().name(name);
        };
    }
}
