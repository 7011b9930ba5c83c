package io.esm4j.internal.stream;

import io.esm4j.internal.MappingLogName;
import io.esm4j.internal.handler.Fatal;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a coordinator's rounds on the shared lease threads ({@link LeaseThreads}): each round on a pool thread, the
 * next one scheduled on the clock when it has ended, so rounds never overlap and a mapping holds no thread between
 * them. What a blocking loop with a timed wait did, on a thread of its own per mapping.
 */
final class LeaseRounds {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseRounds.class);
    private static final Duration NOT_STARTED_RETRY = Duration.ofSeconds(1);

    private final String mappingName;
    private final String threadName;
    /** One round; returns how long until the next, or a negative value to end the rounds. */
    private final LongSupplier round;
    /** The engine's fatal path: the mapping stops and says why. */
    private final Consumer<Throwable> fatal;
    /** Runs a round on a pool thread of this name: {@link LeaseThreads#call}, but in tests. */
    private final BiConsumer<String, Runnable> pool;
    private final ReentrantLock lock = new ReentrantLock();
    // Guarded by lock.
    private boolean wakeRequested;
    private boolean stopping;
    /** The thread running a round now, or null between rounds. */
    private Thread roundThread;
    /** The next round, scheduled on the clock, or null while a round runs. */
    private ScheduledFuture<?> nextRound;

    LeaseRounds(String mappingName, LongSupplier round, Consumer<Throwable> fatal) {
        this(mappingName, round, fatal, LeaseThreads::call);
    }

    /** @param mappingName for the logs, and the name of the pool thread while it runs a round */
    LeaseRounds(String mappingName, LongSupplier round, Consumer<Throwable> fatal,
                BiConsumer<String, Runnable> pool) {
        this.mappingName = mappingName;
        this.threadName = "esm4j-" + mappingName + "-coordinator";
        this.round = round;
        this.fatal = fatal;
        this.pool = pool;
    }

    void start() {
        lock.lock();
        try {
            schedule(0);
        } finally {
            lock.unlock();
        }
    }

    /** Runs a round now: at once if none runs, else as soon as the one running ends. */
    void wake() {
        lock.lock();
        try {
            if (roundThread != null) {
                wakeRequested = true;
            } else if (nextRound != null && nextRound.cancel(false)) {
                schedule(0);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Ends the rounds, interrupting the one running (a source or store call in progress); does not wait for it. */
    void stop() {
        lock.lock();
        try {
            stopping = true;
            if (nextRound != null) {
                nextRound.cancel(false);
            }
            // Under the lock, so that the interrupt reaches this round and never the pool thread's next task.
            if (roundThread != null) {
                roundThread.interrupt();
            }
        } finally {
            lock.unlock();
        }
    }

    boolean stopping() {
        lock.lock();
        try {
            return stopping;
        } finally {
            lock.unlock();
        }
    }

    /** The lock is held. */
    private void schedule(long nanos) {
        if (!stopping) {
            nextRound = LeaseThreads.after(Duration.ofNanos(nanos), this::handOut);
        }
    }

    /**
     * On the clock: the round goes to a pool thread. An exception here would end in the clock's future, and the rounds
     * with it, unseen. A fatal error (the JVM cannot start another thread: an {@code OutOfMemoryError}) stops the
     * mapping through the engine's fatal path, as a fatal error in a round or in a lease renewal does; anything else
     * (the pool refusing the task) is retried a second later.
     */
    private void handOut() {
        try {
            // The pool's threads serve every mapping: the round's source and store calls log this one's name.
            pool.accept(threadName, MappingLogName.bound(mappingName, this::run));
        } catch (Throwable e) {
            if (Fatal.isFatal(e) && stopMapping(e)) {
                return;
            }
            LOG.atError().addKeyValue("mapping", mappingName).setCause(e).log("round not started; retrying in 1 s");
            lock.lock();
            try {
                schedule(NOT_STARTED_RETRY.toNanos());
            } finally {
                lock.unlock();
            }
        }
    }

    /** Hands {@code error} to the fatal path; false if that failed too, and the rounds go on to try again. */
    private boolean stopMapping(Throwable error) {
        LOG.atError().addKeyValue("mapping", mappingName).setCause(error)
                .log("round not started; stopping the mapping");
        try {
            fatal.accept(error);
            return true;
        } catch (Throwable e) {
            LOG.atError().addKeyValue("mapping", mappingName).setCause(e).log("stopping the mapping failed");
            return false;
        }
    }

    private void run() {
        lock.lock();
        try {
            if (stopping) {
                return;
            }
            roundThread = Thread.currentThread();
            nextRound = null;
        } finally {
            lock.unlock();
        }
        long waitNanos = -1;
        try {
            waitNanos = round.getAsLong();
        } finally {
            lock.lock();
            try {
                roundThread = null;
                if (waitNanos >= 0) {
                    schedule(wakeRequested ? 0 : waitNanos);
                }
                wakeRequested = false;
            } finally {
                lock.unlock();
            }
        }
    }
}
