package io.esm4j;

import java.time.Duration;

/**
 * A mapping of either kind, {@link EventSourceMapping} (streams) or {@link QueueEventSourceMapping} (queues): what an
 * application's lifecycle and health checks need of all its mappings at once, such as a list of {@code Mapping<?>}
 * started together, stopped from one shutdown hook and reported by one readiness check.
 *
 * @param <R> what {@link #stop} returns: a {@link StopResult} or a {@link QueueStopResult}
 */
public sealed interface Mapping<R> extends AutoCloseable permits MappingLifecycle {

    /** The name it was built with: it scopes its leases and checkpoints, and tags its meters and log lines. */
    String name();

    /** CREATING until {@link #start}, then ENABLING, ENABLED, DISABLING and DISABLED, as Lambda names them. */
    MappingState state();

    /**
     * Why the state last changed: "User action", or, while something outside the handler keeps failing (a source
     * call, a checkpoint write, the on-failure destination) or after the mapping stopped by itself, the problem,
     * starting with {@code PROBLEM: }.
     */
    String stateTransitionReason();

    /**
     * "No records processed", "OK" or "PROBLEM: Function call failed", as Lambda reports it; or esm4j's own
     * "PROBLEM: Function not invoked" (the handler threw {@link io.esm4j.handler.FunctionNotInvokedException}) and
     * "PROBLEM: Filter criteria failed" (the filter failed on a record of a stream) and "PROBLEM: Idempotency store
     * failed" (the idempotency store could not claim a batch's keys; the batch waits for it).
     */
    String lastProcessingResult();

    /**
     * Starts polling; returns at once. From here until the mapping is DISABLED (its {@link #stop} ended, or it stopped
     * itself after a fatal error or a failed start) it keeps the JVM alive, as a server socket's thread does: a
     * {@code main} that starts a mapping and returns leaves it running. A mapping starts once, and not after a
     * {@link #stop} or {@link #close}: build a new one to restart. If starting fails (a Kafka consumer that cannot be
     * created from its properties, say), the mapping is stopped before the failure is thrown: DISABLED, with
     * {@code PROBLEM: start failed: ...} as its state transition reason, its meters removed; {@link #stop} then returns
     * at once.
     *
     * @throws IllegalStateException if the mapping was started or stopped already
     */
    void start();

    /**
     * Stops polling, lets batches being invoked finish (a failed one is not retried), writes what must be written
     * (checkpoints, deletes) and reports what was left. Handlers still running at the timeout are interrupted; a
     * zero or negative timeout interrupts them at once. Calling it again returns the first result. A mapping stopped
     * before it started is DISABLED at once and can no longer start. A mapping's stop goes on if the caller is
     * interrupted (the caller gets the {@link InterruptedException}, a later call the result); called from the
     * mapping's own handler, it waits for that handler until the timeout: call it from another thread. A timeout
     * longer than 100 years counts as 100 years.
     *
     * @throws NullPointerException if {@code timeout} is null; the mapping is left as it was
     */
    R stop(Duration timeout) throws InterruptedException;

    /**
     * {@link #stop(Duration)} with a 30-second timeout, for try-with-resources. If the calling thread is interrupted
     * while waiting, it stops waiting and keeps its interrupt status.
     */
    @Override
    void close();
}
