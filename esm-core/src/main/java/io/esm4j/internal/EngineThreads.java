package io.esm4j.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

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

    /**
     * Runs each task on a thread of {@code builder}'s and waits for them all to end. Once a thread cannot start, that
     * task and the ones after it run on the caller's thread, after the others have started. As
     * {@code ExecutorService.close()}: an interrupt while waiting interrupts the tasks' threads, which are still waited
     * for, and is kept in the caller's interrupt flag.
     *
     * @return why some tasks ran on the caller's thread, or null if each had its own
     */
    public static @Nullable ThreadNotStarted runEach(Thread.Builder builder, List<? extends Runnable> tasks) {
        List<Thread> threads = new ArrayList<>(tasks.size());
        ThreadNotStarted notStarted = null;
        int started = 0;
        for (; started < tasks.size(); started++) {
            try {
                threads.add(start(builder, tasks.get(started)));
            } catch (ThreadNotStarted e) {
                notStarted = e;
                break;
            }
        }
        tasks.subList(started, tasks.size()).forEach(Runnable::run);
        boolean interrupted = false;
        for (Thread thread : threads) {
            while (true) {
                try {
                    thread.join();
                    break;
                } catch (InterruptedException e) {
                    if (!interrupted) {
                        interrupted = true;
                        threads.forEach(Thread::interrupt);
                    }
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return notStarted;
    }

    /** Tests: from now on the starts of threads whose name {@code names} accepts fail; {@code n -> false} ends it. */
    static void refuseStarts(Predicate<String> names) {
        refused = names;
    }
}
