package io.esm4j.internal;

import io.esm4j.settings.HandlerThreads;

/** The builder of a thread that calls the handler (a stream lane, a queue poller), of the kind the settings choose. */
public final class HandlerThread {

    private HandlerThread() {
    }

    public static Thread.Builder builder(HandlerThreads kind, String name) {
        return switch (kind) {
            case VIRTUAL -> Thread.ofVirtual().name(name);
            // Daemon, as a virtual thread is: the choice must not change whether a JVM whose main thread ended
            // without stopping the mapping exits; stop() is what lets batches finish, with either kind.
            case PLATFORM -> Thread.ofPlatform().daemon().name(name);
        };
    }
}
