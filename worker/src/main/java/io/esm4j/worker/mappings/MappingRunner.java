package io.esm4j.worker.mappings;

import io.esm4j.internal.FailureRun;
import io.esm4j.worker.config.Functions;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.invoke.Targets;
import io.esm4j.worker.source.MappingTarget;
import io.esm4j.worker.source.RunningMapping;
import io.esm4j.worker.source.SourceFactories;
import io.esm4j.worker.source.SourceFactory;
import io.esm4j.worker.source.WorkerContext;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Starts the esm-core mapping of a {@link ManagedMapping} (a failed start is counted, shown in its state transition
 * reason and retried with backoff by the registry's supervisor) and stops it.
 */
final class MappingRunner {

    private static final Logger LOG = LoggerFactory.getLogger(MappingRegistry.class);
    private static final Duration START_BACKOFF_MAX = Duration.ofSeconds(30);
    /** The first restart after a fatal stop; it doubles with each fatal stop in a row. */
    static final Duration FATAL_BACKOFF_FIRST = Duration.ofSeconds(1);
    /** The longest wait before a restart after a fatal stop, and the run that begins the row of fatal stops anew. */
    static final Duration FATAL_BACKOFF_MAX = Duration.ofMinutes(5);
    /** How long a stop waits for a start in progress at least, whatever its timeout. */
    private static final Duration START_WAIT_MIN = Duration.ofSeconds(1);

    private final SourceFactories factories;
    private final Targets targets;
    private final WorkerContext context;
    private final Duration stopTimeout;
    private final AtomicLong startFailures = new AtomicLong();
    private final AtomicLong fatalRestarts = new AtomicLong();

    /** @param stopTimeout how long a mapping whose start failed (or that was built for nothing) may take to stop */
    MappingRunner(SourceFactories factories, Targets targets, WorkerContext context, Duration stopTimeout) {
        this.factories = factories;
        this.targets = targets;
        this.context = context;
        this.stopTimeout = stopTimeout;
    }

    long startFailures() {
        return startFailures.get();
    }

    /** Restarts after a mapping stopped itself on a fatal error, over the worker's life. */
    long fatalRestarts() {
        return fatalRestarts.get();
    }

    /** Builds the mapping without starting it or calling any service, for the checks made when it is built. */
    void checkBuild(String uuid, MappingSpec spec) {
        factories.forMapping(spec).checkBuild(uuid, spec, context);
    }

    /**
     * Builds and starts the mapping. A mapping that was built but is not to run (replaced or deleted meanwhile) and
     * one whose start failed are stopped again, so their meters go and, after a failure, the supervisor starts anew.
     * A retirement that comes after the check here waits for this start to end (at most its stop's timeout), then
     * stops what it installed; a start that outlasts that wait finds the mapping retired and stops it itself.
     */
    void start(ManagedMapping mapping) {
        RunningMapping running = null;
        try {
            SourceFactory factory = factories.forMapping(mapping.spec());
            MappingTarget target = new MappingTarget(targets.invoker(mapping.function()),
                    targets.limits(mapping.function()), Functions.shownArn(mapping.spec().functionName(),
                    context.clients().region().id()));
            running = factory.create(mapping.uuid(), mapping.spec(), target, context);
            if (!mapping.install(running)) {
                stop(mapping, running, stopTimeout);
                return;
            }
            // Read after the install: a retirement either sees what is installed here or is seen here. A stop that
            // gave up waiting for this start (it hung, see stopRetired) finds nothing installed; whoever takes the
            // mapping out stops it.
            if (mapping.retired()) {
                if (mapping.uninstall(running)) {
                    stop(mapping, running, stopTimeout);
                }
                return;
            }
            running.start();
            mapping.starts().started();
            int failedBefore = mapping.starts().run().succeeded();
            LoggingEventBuilder line = LOG.atInfo().addKeyValue("mapping", mapping.uuid());
            if (FailureRun.logRecovery(failedBefore)) {
                line = line.addKeyValue("failuresInARow", failedBefore);
            }
            line.log("mapping started uuid={} source={} eventSource={} function={}", mapping.uuid(),
                    mapping.sourceKind(), mapping.spec().source(), mapping.function().displayName());
        } catch (Exception | LinkageError e) {
            String result = running == null ? null : running.lastProcessingResult();
            if (running != null && mapping.uninstall(running)) {
                stop(mapping, running, stopTimeout);
            }
            startFailures.incrementAndGet();
            long backoff = Math.min(START_BACKOFF_MAX.toMillis(), 500L << Math.min(mapping.starts().failures(), 10));
            boolean healable = mapping.starts().classInit() == null;
            mapping.starts().failed("start failed: " + e, result, ClassInitFailure.in(e),
                    System.nanoTime() + backoff * 1_000_000);
            logClassInit(mapping, healable);
            // Retried for as long as it fails (a function or a stream that is not there yet, for hours): logged like
            // any failure that repeats, the first time at WARN, then DEBUG with a WARN summary every 5 minutes. The
            // error's text (not only its class) on each line: it says what is wrong with the mapping's settings.
            FailureRun.log(LOG, mapping.starts().run().failed(), null, false).addKeyValue("mapping", mapping.uuid())
                    .log("mapping start failed uuid={} attempt={} retryInMs={} error={}", mapping.uuid(),
                            mapping.starts().failures(), backoff, e.toString());
        } finally {
            mapping.endStart();
        }
    }

    /**
     * After its esm-core mapping stopped itself on a fatal error ({@link ManagedMapping#stoppedItself}), with the
     * start claim held: schedules the restart (the supervisor starts a new esm-core mapping once the backoff is over),
     * takes the stopped one out and keeps its last result. Its stop has ended already (DISABLED), so the call to
     * {@code stop} returns that stop's result and only makes sure its meters are gone.
     */
    void restartAfterFatal(ManagedMapping mapping) {
        try {
            RunningMapping stopped = mapping.running();
            if (stopped == null || mapping.retired()) {
                return;
            }
            String reason = stopped.stateTransitionReason();
            boolean healable = mapping.starts().classInit() == null;
            Duration backoff = mapping.starts().fatalStop(reason, FATAL_BACKOFF_FIRST, FATAL_BACKOFF_MAX, System.nanoTime());
            logClassInit(mapping, healable);
            if (mapping.uninstall(stopped)) {
                stop(mapping, stopped, stopTimeout);
                mapping.keepLastResult(stopped);
            }
            fatalRestarts.incrementAndGet();
            // Key-values, not the message: the reason has spaces, which the message's key=value fields end at.
            LoggingEventBuilder line = LOG.atWarn().addKeyValue("mapping", mapping.uuid())
                    .addKeyValue("uuid", mapping.uuid()).addKeyValue("restart", mapping.fatalRestarts())
                    .addKeyValue("retryInMs", backoff.toMillis()).addKeyValue("reason", reason);
            // The class as the revision knows it: this reason's, else an earlier sighting's (an
            // ExceptionInInitializerError's reason names the error only, not the class).
            ClassInitFailure init = ClassInitFailure.in(reason) == null ? null : mapping.starts().classInit();
            if (init != null && init.className() != null) {
                line = line.addKeyValue("class", init.className());
            }
            line.log("mapping stopped by a fatal error; restarting it after a backoff");
        } finally {
            mapping.endStart();
        }
    }

    /**
     * Says it once, at ERROR, when a mapping first meets a class whose static initializer failed: from now on the
     * worker is not live, and its orchestrator restarts it (the mapping's restarts here go on meanwhile).
     */
    private static void logClassInit(ManagedMapping mapping, boolean healableBefore) {
        ClassInitFailure init = mapping.starts().classInit();
        if (healableBefore && init != null) {
            LoggingEventBuilder line = LOG.atError().addKeyValue("mapping", mapping.uuid())
                    .addKeyValue("uuid", mapping.uuid());
            if (init.className() != null) {
                line = line.addKeyValue("class", init.className());
            }
            line.log("mapping cannot run in this process any more: " + init.advice());
        }
    }

    /**
     * Stops a retired mapping: waits for a start in progress (which may still install an esm-core mapping), stops
     * what is installed, keeps its last processing result, and marks it stopped; all within about {@code timeout}
     * (the drain's, with its own graces). A start still running at the timeout is not waited for any longer: a
     * hung one (a handler's constructor waiting for a server) would otherwise hang the worker's stop for ever.
     */
    static void stopRetired(ManagedMapping mapping, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            // A start that ends normally takes moments: waited for even with a drain timeout of 0, so that what it
            // installs is stopped here, before the worker closes the stores its final checkpoints need.
            Duration startWait = timeout.compareTo(START_WAIT_MIN) < 0 ? START_WAIT_MIN : timeout;
            if (!mapping.awaitStartInFlight(startWait)) {
                LOG.atWarn().addKeyValue("mapping", mapping.uuid())
                        .log("mapping start still running at its stop, not waited for any longer; it stops what it "
                                + "built once it ends uuid={} waitedSeconds={}", mapping.uuid(), startWait.toSeconds());
            }
            RunningMapping running = mapping.uninstall();
            if (running != null) {
                stop(mapping, running, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                mapping.keepLastResult(running);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            mapping.ownStopDone();
        }
    }

    static void stop(ManagedMapping mapping, RunningMapping running, Duration timeout) {
        try {
            running.stop(timeout);
            LOG.atInfo().addKeyValue("mapping", mapping.uuid()).log("mapping stopped uuid={}", mapping.uuid());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.atWarn().addKeyValue("mapping", mapping.uuid())
                    .log("mapping stop failed uuid={} error={}", mapping.uuid(), e.toString());
        }
    }
}
