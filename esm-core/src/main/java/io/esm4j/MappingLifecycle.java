package io.esm4j;

import io.esm4j.internal.KeepAlive;
import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.handler.Fatal;
import io.esm4j.internal.metrics.EngineMetrics;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/** The {@link Mapping} stream and queue mappings share: a name, a state, and a start and a stop that each happen once. */
abstract sealed class MappingLifecycle<R> implements Mapping<R> permits EventSourceMapping, QueueEventSourceMapping {

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    /**
     * The longest stop timeout: a longer one (ChronoUnit.FOREVER's, from a caller that means "as long as it takes")
     * waits this long, since the engines' deadlines (System.nanoTime, Instant) overflow beyond a few centuries.
     */
    private static final Duration LONGEST_STOP_TIMEOUT = Duration.ofDays(365L * 100);

    private final String name;
    private final MappingStatus status;
    private final EngineMetrics metrics;
    /** A lock rather than synchronized: stop() blocks for a long time and may run on a virtual thread. */
    private final ReentrantLock lock = new ReentrantLock();
    private boolean started;
    private @Nullable R stopResult;
    /** The mapping's hold on the JVM, from its start until it is DISABLED. */
    private volatile KeepAlive.@Nullable Hold keepAlive;

    MappingLifecycle(String name, MappingStatus status, EngineMetrics metrics) {
        this.name = name;
        this.status = status;
        this.metrics = metrics;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public MappingState state() {
        return status.state();
    }

    @Override
    public String stateTransitionReason() {
        return status.stateTransitionReason();
    }

    @Override
    public String lastProcessingResult() {
        return status.lastProcessingResult();
    }

    @Override
    public void start() {
        lock.lock();
        try {
            if (started) {
                throw new IllegalStateException("mapping " + name + " was already started; build a new one to "
                        + "restart");
            }
            if (stopResult != null) {
                // Its meters are gone and a later stop() would return the first result: started, it would run
                // for good.
                throw new IllegalStateException("mapping " + name + " was already stopped; build a new one to run "
                        + "it");
            }
            started = true;
            try {
                // Before the engine starts: its threads are daemons, and the JVM must not end between the two. The
                // status lets go of it however the mapping ends, a stop or a fatal error on an engine thread.
                KeepAlive.Hold hold = KeepAlive.jvm().hold();
                keepAlive = hold;
                status.whenStopped(hold::release);
                startEngine();
            } catch (RuntimeException | Error e) {
                stopAfterFailedStart(e);
                throw e;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Lambda does not leave a mapping that cannot start Enabling: it says why and stops. So does a start() that
     * throws: left ENABLING, the mapping would look as if it were about to run, with whatever the engine had started
     * running and its meters registered, until the caller thought of stopping it. The stop keeps the failure as its
     * reason, as after a fatal error; a stop begun meanwhile (the compare-and-set loses) keeps its own.
     */
    private void stopAfterFailedStart(Throwable failure) {
        status.beginStop("PROBLEM: start failed: " + Fatal.describe(failure));
        try {
            // Nothing to drain: whatever the engine started before it failed stops at once.
            stopResult = stopEngine(Duration.ZERO);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            failure.addSuppressed(e);
        } finally {
            if (stopResult == null) {
                stopResult = notStartedResult();
            }
            status.stopped();
            metrics.close();
        }
    }

    @Override
    public R stop(Duration timeout) throws InterruptedException {
        // Checked before anything stops: a stream engine that failed half-way would keep its shards and refuse
        // every later stop.
        Objects.requireNonNull(timeout, "timeout");
        Duration bounded = timeout.compareTo(LONGEST_STOP_TIMEOUT) > 0 ? LONGEST_STOP_TIMEOUT : timeout;
        lock.lockInterruptibly();
        try {
            if (stopResult == null) {
                try {
                    if (started) {
                        stopResult = stopEngine(bounded);
                    } else {
                        status.beginStop(MappingStatus.USER_ACTION);
                        status.stopped();
                        stopResult = notStartedResult();
                    }
                } finally {
                    metrics.close();
                }
            }
            return stopResult;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        try {
            stop(CLOSE_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the mapping keeps the JVM alive now: started and not yet DISABLED (tests). */
    boolean keepsJvmAlive() {
        KeepAlive.Hold hold = keepAlive;
        return hold != null && !hold.released();
    }

    abstract void startEngine();

    abstract R stopEngine(Duration timeout) throws InterruptedException;

    abstract R notStartedResult();
}
