package io.esm4j.internal;

import java.util.function.Predicate;

/**
 * Starts the engines' threads. {@link Thread#start} throws an {@code OutOfMemoryError} ("unable to create native
 * thread") when the OS or the JVM has no room for one more thread, most often with HandlerThreads=PLATFORM under a
 * process's thread limit. That is no failing JVM: the heap may be fine, and the room comes back as other threads end.
 * So it comes out of here as a {@link ThreadNotStarted}, which is not fatal: whoever starts the thread keeps nothing
 * registered for it, retries with backoff (or takes another way), counts it and shows it.
 */
public final class EngineThreads {

    /** Tests: the names of threads whose start fails as the JVM's does when it cannot create one. */
    private static volatile Predicate<String> refused = name -> false;

    private EngineThreads() {}

    /** Starts {@code task} on a thread of {@code builder}'s, which names it. */
    public static Thread start(Thread.Builder builder, Runnable task) {
        return start(builder.unstarted(task));
    }

    /** Starts {@code thread}; once this returns it runs, and if it throws nothing will ever run it. */
    public static Thread start(Thread thread) {
        try {
            if (refused.test(thread.getName())) {
                throw new OutOfMemoryError("unable to create native thread: possibly out of memory or process/resource "
                        + "limits reached");
            }
            thread.start();
            return thread;
        } catch (OutOfMemoryError e) {
            throw new ThreadNotStarted(thread.getName(), e);
        }
    }

    /** Tests: from now on the starts of threads whose name {@code names} accepts fail; {@code n -> false} ends it. */
    static void refuseStarts(Predicate<String> names) {
        refused = names;
    }
}
