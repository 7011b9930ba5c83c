package io.esm4j.internal;

/** A thread the engine needed could not be started (see {@link EngineThreads}); not fatal: it is retried. */
public final class ThreadNotStarted extends RuntimeException {

    public ThreadNotStarted(String threadName, Throwable cause) {
        super("thread " + threadName + " not started: " + cause, cause);
    }
}
