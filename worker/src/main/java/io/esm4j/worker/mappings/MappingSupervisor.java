package io.esm4j.worker.mappings;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Starts and stops the registry's mappings at run time: one supervisor thread looks at every mapping each tick (and
 * at once when something changed) and starts, on a thread of its own, each one that may start (enabled, not running,
 * its previous revision stopped, its start backoff over), and takes out each one whose esm-core mapping stopped itself
 * on a fatal error, to be started again after a backoff; a retired mapping is drained on a thread of its own, after
 * which its next revision may start; and at shutdown every mapping is drained at once. The {@link MappingRegistry}
 * decides what the mappings are; this class only runs them, so that neither waits for the other.
 */
final class MappingSupervisor {

    private static final Duration TICK = Duration.ofMillis(250);

    /** The registry's mappings, as they are now (a live view). */
    private final Collection<ManagedMapping> mappings;
    private final MappingRunner runner;
    private final Duration stopTimeout;
    private volatile boolean started;
    private final ScheduledExecutorService supervisor = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("esm4j-worker-supervisor").daemon().factory());

    /** @param stopTimeout how long a retired mapping may take to drain */
    MappingSupervisor(Collection<ManagedMapping> mappings, MappingRunner runner, Duration stopTimeout) {
        this.mappings = mappings;
        this.runner = runner;
        this.stopTimeout = stopTimeout;
    }

    /** Starts the supervisor thread, which starts every enabled mapping and retries failed starts. */
    void start() {
        started = true;
        supervisor.scheduleWithFixedDelay(this::supervise, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** From now on nothing starts: {@link #superviseSoon} does nothing. */
    void stopStarting() {
        started = false;
    }

    /** Ends the supervisor thread, waiting a little for a tick in progress; starts already begun go on. */
    void shutdown() throws InterruptedException {
        supervisor.shutdownNow();
        supervisor.awaitTermination(5, TimeUnit.SECONDS);
    }

    /**
     * Stops every mapping at once, each draining for at most about {@code timeout}; returns when all have, and so have
     * the drains a delete or an update began before (each bounded by the stop timeout): the worker closes the stores,
     * the clients and the data directory's lock next, which those drains' final checkpoints still need.
     */
    void stopAll(Duration timeout) throws InterruptedException {
        List<Thread> stops = new ArrayList<>();
        List<CompletableFuture<Void>> stopped = new ArrayList<>();
        for (ManagedMapping mapping : mappings) {
            // One already retired is drained by the stop its delete began: a second stop would find nothing
            // installed and mark it stopped while that drain still runs.
            if (mapping.retire()) {
                stops.add(stopThread(mapping, timeout));
            }
            // Also every older revision of it, which the registry no longer holds.
            stopped.add(mapping.stopped());
        }
        for (Thread stop : stops) {
            stop.join();
        }
        for (CompletableFuture<Void> done : stopped) {
            try {
                done.get();
            } catch (ExecutionException e) {
                // Never: the futures only complete normally.
            }
        }
    }

    /** Runs the supervisor now rather than at its next tick, unless the registry is shutting down. */
    void superviseSoon() {
        if (started) {
            try {
                supervisor.execute(this::supervise);
            } catch (RejectedExecutionException e) {
                // Shut down meanwhile: nothing starts any more.
            }
        }
    }

    /** Drains a retired mapping; once it has stopped, the revision after it may start. */
    void stopInBackground(ManagedMapping mapping) {
        if (mapping.stopIfIdle()) {
            superviseSoon();
        } else {
            stopThread(mapping, stopTimeout);
        }
    }

    private void supervise() {
        long now = System.nanoTime();
        for (ManagedMapping mapping : mappings) {
            if (mapping.mayStart(now) && mapping.beginStart()) {
                Thread.ofVirtual().name("start-" + mapping.uuid()).start(() -> runner.start(mapping));
            } else if (mapping.stoppedItself() && mapping.beginStart()) {
                // A transient fatal condition (an Error in the engine, a class a dependency kept from loading) must
                // not need a restart of every worker: the mapping is restarted after a backoff, as a failed start is.
                Thread.ofVirtual().name("restart-" + mapping.uuid()).start(() -> runner.restartAfterFatal(mapping));
            }
        }
    }

    /** Stops a retired mapping on a thread of its own; then the revision after it may start. */
    private Thread stopThread(ManagedMapping mapping, Duration timeout) {
        return Thread.ofVirtual().name("stop-" + mapping.uuid()).start(() -> {
            MappingRunner.stopRetired(mapping, timeout);
            superviseSoon();
        });
    }
}
