package io.esm4j.internal.queue;

import io.esm4j.internal.FailureRun;
import io.esm4j.internal.handler.Fatal;
import io.esm4j.queue.QueueMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the messages one poller holds invisible, from the moment they are received (a batching window may hold them
 * longer than the visibility timeout) until the poller deletes or releases them: every half visibility timeout, one
 * changeVisibility call per 10 held messages sets their visibility to a full timeout again, but never past
 * VisibilityExtensionLimit after their receive, so that a stuck handler cannot hold messages forever.
 *
 * <p>Each poller has its own heartbeat thread, so a thousand pollers extend on time however slow each call is. The
 * lock guards only the set of held messages; the network call runs outside it, and {@link #untrack} waits for a beat
 * in progress so that a late extension never undoes a visibility change made after the handler returned.
 *
 * <p>With per-key lanes, a message whose key another poller holds is lent to that poller: it stays here, extended,
 * until the holder takes it over ({@link #handOver}, {@link #adopt}) to handle it.
 */
final class VisibilityHeartbeat<T> implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(VisibilityHeartbeat.class);
    /** Nothing interrupts a heartbeat (close() signals it): every interrupt in a call is the source's own. */
    private static final BooleanSupplier NEVER_INTERRUPTED_BY_STOP = () -> false;

    private final QueueContext<T> ctx;
    private final QueueCalls<T> calls;
    private final EngineStop stop;
    /** How this heartbeat is named in the mapping's status, e.g. {@code poller 3 heartbeat}. */
    private final String component;
    private final ReentrantLock lock = new ReentrantLock();
    /** Failed beats in a row, and failed reads of the visibility timeout (tried again per batch), for the log. */
    private final FailureRun beatFailures = new FailureRun();
    private final FailureRun timeoutReads = new FailureRun();
    private final Condition changed = lock.newCondition();
    private final Condition beatDone = lock.newCondition();
    /** Each held message and the instant after which it is no longer extended; guarded by {@code lock}. */
    private final Map<QueueMessage<T>, Instant> held = new IdentityHashMap<>();
    /** Held messages waiting behind a key another poller holds: not this poller's to let go; guarded by lock. */
    private final Set<QueueMessage<T>> lent = Collections.newSetFromMap(new IdentityHashMap<>());
    /**
     * The held messages of the last beat, when it failed: the heartbeat's problem is theirs. It ends when a beat
     * works, or when none of them is held any more (deleted, released, gone with a purge), so that a problem of one
     * batch does not stay the mapping's reason while every later batch works; guarded by {@code lock}.
     */
    private final Set<QueueMessage<T>> atRisk = Collections.newSetFromMap(new IdentityHashMap<>());
    private long nextBeatNanos;
    private boolean beating;
    private boolean closed;
    private volatile Duration visibilityTimeout;

    VisibilityHeartbeat(QueueContext<T> ctx, QueueCalls<T> calls, EngineStop stop, String component) {
        this.ctx = ctx;
        this.calls = calls;
        this.stop = stop;
        this.component = component;
    }

    /** Starts extending messages just received; a no-op when the heartbeat is off. */
    void track(List<QueueMessage<T>> messages, Instant receivedAt) {
        Duration limit = ctx.settings().visibilityExtensionLimit();
        if (messages.isEmpty() || limit.isZero()) {
            return;
        }
        Duration timeout = visibilityTimeout();
        if (timeout == null || timeout.isZero()) {
            return;
        }
        Instant deadline = receivedAt.plus(limit);
        lock.lock();
        try {
            if (held.isEmpty()) {
                nextBeatNanos = System.nanoTime() + period(timeout).toNanos();
            }
            messages.forEach(message -> held.put(message, deadline));
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Stops extending these messages, after a beat in progress has ended. */
    void untrack(Collection<QueueMessage<T>> messages) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            awaitBeat();
            for (QueueMessage<T> message : messages) {
                held.remove(message);
                lent.remove(message);
            }
            noLongerAtRisk(messages);
        } finally {
            lock.unlock();
        }
    }

    /** Stops extending every message this poller holds, but not those lent to another poller. */
    void untrackAll() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            awaitBeat();
            held.keySet().retainAll(lent);
            noLongerAtRisk(atRisk.stream().filter(message -> !held.containsKey(message)).toList());
        } finally {
            lock.unlock();
        }
    }

    /** Marks held messages as lent: {@link #untrackAll} keeps extending them. Messages not held are ignored. */
    void lend(Collection<QueueMessage<T>> messages) {
        lock.lock();
        try {
            for (QueueMessage<T> message : messages) {
                if (held.containsKey(message)) {
                    lent.add(message);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops extending these messages, after a beat in progress has ended, and returns until when each of those that
     * were held could still be extended, for {@link #adopt}.
     */
    Map<QueueMessage<T>, Instant> handOver(Collection<QueueMessage<T>> messages) throws InterruptedException {
        Map<QueueMessage<T>, Instant> deadlines = new IdentityHashMap<>();
        lock.lockInterruptibly();
        try {
            awaitBeat();
            for (QueueMessage<T> message : messages) {
                lent.remove(message);
                Instant deadline = held.remove(message);
                if (deadline != null) {
                    deadlines.put(message, deadline);
                }
            }
            noLongerAtRisk(messages);
        } finally {
            lock.unlock();
        }
        return deadlines;
    }

    /**
     * Starts extending messages another poller's heartbeat handed over, with their deadlines. They may have only
     * half a visibility timeout left, so the next beat is now.
     */
    void adopt(Map<QueueMessage<T>, Instant> deadlines) {
        if (deadlines.isEmpty()) {
            return;
        }
        Duration timeout = visibilityTimeout();
        if (timeout == null || timeout.isZero()) {
            return;
        }
        lock.lock();
        try {
            if (closed) {
                return;
            }
            held.putAll(deadlines);
            nextBeatNanos = System.nanoTime();
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops extending these messages at once, without waiting for a beat in progress: for messages nobody will
     * release, which come back after their visibility timeout.
     */
    void forget(Collection<QueueMessage<T>> messages) {
        lock.lock();
        try {
            for (QueueMessage<T> message : messages) {
                lent.remove(message);
                held.remove(message);
            }
            noLongerAtRisk(messages);
        } finally {
            lock.unlock();
        }
    }

    /** Ends the heartbeat thread once a beat in progress has ended. */
    void close() {
        lock.lock();
        try {
            closed = true;
            held.clear();
            lent.clear();
            atRisk.clear();
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void run() {
        int failures = 0;
        while (true) {
            Map<Duration, List<QueueMessage<T>>> due;
            try {
                due = awaitDue();
            } catch (InterruptedException e) {
                return;
            }
            if (due == null) {
                return;
            }
            try {
                failures = beat(due, failures);
            } catch (InterruptedException e) {
                // Nothing interrupts a heartbeat (close() signals it), and the calls take a source's interrupt for a
                // failed call: only a flag code outside them left set gets here. Left set, it would end the next
                // wait, and the heartbeat with it, silently.
                Thread.interrupted();
                failures = failed(failures, "heartbeat failed: " + Fatal.describe(e), e);
            } catch (Throwable e) {
                if (Fatal.isFatal(e)) {
                    stop.fatal(component, e);
                    return;
                }
                failures = failed(failures, "heartbeat failed: " + Fatal.describe(e), e);
            } finally {
                lock.lock();
                try {
                    beating = false;
                    atRisk.clear();
                    if (failures > 0) {
                        // forget() and close() may have let some go meanwhile: those are no longer at risk here.
                        due.values().forEach(messages -> messages.stream().filter(held::containsKey)
                                .forEach(atRisk::add));
                        if (atRisk.isEmpty()) {
                            ctx.status().resolved(component);
                        }
                    }
                    beatDone.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** The messages to extend now, by extension; null once closed. Marks a beat in progress. */
    private Map<Duration, List<QueueMessage<T>>> awaitDue() throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                if (closed) {
                    return null;
                }
                long wait = nextBeatNanos - System.nanoTime();
                if (held.isEmpty()) {
                    changed.await();
                } else if (wait > 0) {
                    changed.awaitNanos(wait);
                } else {
                    break;
                }
            }
            beating = true;
            nextBeatNanos = System.nanoTime() + period(visibilityTimeout).toNanos();
            return extensions(ctx.clock().instant(), visibilityTimeout);
        } finally {
            lock.unlock();
        }
    }

    /** Groups the held messages by how long each may still be extended: normally one group, a full timeout. */
    private Map<Duration, List<QueueMessage<T>>> extensions(Instant now, Duration timeout) {
        Map<Duration, List<QueueMessage<T>>> byExtension = new LinkedHashMap<>();
        for (Map.Entry<QueueMessage<T>, Instant> entry : held.entrySet()) {
            Duration left = Duration.between(now, entry.getValue());
            if (left.isPositive()) {
                Duration extension = left.compareTo(timeout) < 0 ? left : timeout;
                // SQS takes whole seconds; at least one, so that the last extension is not a release.
                byExtension.computeIfAbsent(Duration.ofSeconds(Math.max(1, extension.toSeconds())),
                        e -> new ArrayList<>()).add(entry.getKey());
            }
        }
        return byExtension;
    }

    private int beat(Map<Duration, List<QueueMessage<T>>> due, int failures) throws InterruptedException {
        QueueCalls.Outcome outcome = QueueCalls.Outcome.NOTHING;
        for (Map.Entry<Duration, List<QueueMessage<T>>> group : due.entrySet()) {
            outcome = outcome.plus(calls.changeVisibility(group.getValue(), group.getKey(),
                    NEVER_INTERRUPTED_BY_STOP));
        }
        if (!outcome.ok()) {
            return failed(failures, outcome.describe("visibility extension", "not extended"), null);
        }
        if (failures > 0) {
            ctx.status().resolved(component);
            int ended = beatFailures.succeeded();
            if (FailureRun.logRecovery(ended)) {
                LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("component", component)
                        .addKeyValue("failuresInARow", ended).log("visibility extension works again");
            }
        }
        return 0;
    }

    /**
     * A beat that failed: its messages may show up again before their handler is done. The next beat tries again;
     * the problem stays in the status until one succeeds.
     */
    private int failed(int failures, String text, Throwable cause) {
        ctx.metrics().restarts.increment();
        ctx.status().problem(component, "PROBLEM: " + text);
        FailureRun.log(LOG, beatFailures.failed(), cause, true).addKeyValue("mapping", ctx.mappingName())
                .addKeyValue("component", component).log(text);
        return failures + 1;
    }

    /**
     * These messages are no longer held. Once no message of a failed beat is, its problem is over: nothing this
     * heartbeat keeps is at risk. The failure stays counted and logged; a later beat that works still logs the end
     * of the run. Called with {@code lock} held.
     */
    private void noLongerAtRisk(Collection<QueueMessage<T>> messages) {
        if (atRisk.isEmpty()) {
            return;
        }
        messages.forEach(atRisk::remove);
        if (atRisk.isEmpty()) {
            ctx.status().resolved(component);
        }
    }

    private static Duration period(Duration timeout) {
        return Duration.ofMillis(Math.max(1, timeout.toMillis() / 2));
    }

    private void awaitBeat() throws InterruptedException {
        while (beating) {
            beatDone.await();
        }
    }

    /** The queue's visibility timeout, read from the source once; null when it cannot be read. */
    Duration visibilityTimeout() {
        Duration known = visibilityTimeout;
        if (known == null) {
            try {
                known = ctx.source().visibilityTimeout();
                visibilityTimeout = known;
                int ended = timeoutReads.succeeded();
                if (FailureRun.logRecovery(ended)) {
                    LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("component", component)
                            .addKeyValue("failuresInARow", ended).log("the queue's visibility timeout was read");
                }
            } catch (Throwable e) {
                Fatal.rethrowIfFatal(e);
                // Tried again for every batch until it works: logged at a bounded rate.
                FailureRun.log(LOG, timeoutReads.failed(), e, true).addKeyValue("mapping", ctx.mappingName())
                        .addKeyValue("component", component)
                        .log("cannot read the queue's visibility timeout; no heartbeat for these messages, and "
                                + "their idempotency claims last VisibilityExtensionLimit");
            }
        }
        return known;
    }
}
