package io.esm4j.internal.stream;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.locks.ReentrantLock;
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

    private final String threadName;
    /** One round; returns how long until the next, or a negative value to end the rounds. */
    private final LongSupplier round;
    private final ReentrantLock lock = new ReentrantLock();
    // Guarded by lock.
    private boolean wakeRequested;
    private boolean stopping;
    /** The thread running a round now, or null between rounds. */
    private Thread roundThread;
    /** The next round, scheduled on the clock, or null while a round runs. */
    private ScheduledFuture<?> nextRound;

    LeaseRounds(String threadName, LongSupplier round) {
        this.threadName = threadName;
        this.round = round;
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
     * On the clock: the round goes to a pool thread. With none to be had (the JVM cannot start another), the round is
     * tried again a second later: an exception here would end in the clock's future, and the rounds with it, unseen.
     */
    private void handOut() {
        try {
            LeaseThreads.call(threadName, this::run);
        } catch (Throwable e) {
            LOG.atError().addKeyValue("rounds", threadName).setCause(e).log("round not started; retrying in 1 s");
            lock.lock();
            try {
                schedule(NOT_STARTED_RETRY.toNanos());
            } finally {
                lock.unlock();
            }
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
