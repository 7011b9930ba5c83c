package io.esm4j.worker.mappings;

import io.esm4j.MappingState;
import io.esm4j.ShardStatus;
import io.esm4j.worker.config.FunctionSpec;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.source.RunningMapping;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * One mapping the worker manages: its request, where it came from, and the esm-core mapping running it (none while
 * it is disabled or its start is being retried). Fields change by compare-and-set; nothing here blocks.
 */
public final class ManagedMapping {

    /** Where a mapping was defined: the file is read-only through the API, API mappings are persisted. */
    public enum Origin { FILE, API }

    /**
     * How this revision came to be, for the State Lambda shows until it runs: a new mapping is Creating, a disabled
     * one enabled again is Enabling, any other update is Updating.
     */
    enum Transition { CREATE, ENABLE, UPDATE }

    /** What esm-core's mappings say before anything was processed. */
    static final String NO_RECORDS_PROCESSED = "No records processed";
    /** Why a mapping's state last changed when it was a user's doing: esm-core's words, used before one runs too. */
    static final String USER_ACTION = "User action";

    private final String uuid;
    private final MappingSpec spec;
    private final FunctionSpec function;
    private final Origin origin;
    private final Instant lastModified;
    private final long revision;
    private final long sequence;
    private final String sourceKind;
    private final AtomicReference<@Nullable RunningMapping> running = new AtomicReference<>();
    private final StartAttempts starts = new StartAttempts();
    /** The start in progress, if any: completed when it has ended, so a stop can wait for it. */
    private final AtomicReference<@Nullable CompletableFuture<Void>> startInFlight = new AtomicReference<>();
    private final CompletableFuture<?> predecessorStopped;
    /** Replaced by a newer revision or deleted: it never starts again. */
    private final AtomicBoolean retired = new AtomicBoolean();
    private final CompletableFuture<Void> ownStop = new CompletableFuture<>();
    private final CompletableFuture<Void> stopped;
    private final AtomicBoolean deleting = new AtomicBoolean();
    /**
     * Set when this revision's first start attempt ends, started or failed: until then it shows Creating (Enabling,
     * Updating) and, as in Lambda, cannot be updated. Never cleared, so a client that saw another State does not
     * meet the refusal.
     */
    private final AtomicBoolean firstStartEnded = new AtomicBoolean();
    private final Transition transition;
    /** The last processing result of a stopped revision, shared by every revision of the mapping. */
    private final AtomicReference<String> lastResult;

    /**
     * @param revision the stored revision (0 for a mapping of the file)
     * @param sequence the registry's change counter when this object was made, to tell which mappings a read of a
     *                 shared store could have missed
     * @param predecessor the revision this one replaces, or null for a new mapping
     */
    ManagedMapping(String uuid, MappingSpec spec, FunctionSpec function, Origin origin, Instant lastModified,
                   long revision, long sequence, String sourceKind, @Nullable ManagedMapping predecessor) {
        this.uuid = uuid;
        this.transition = predecessor == null ? Transition.CREATE
                : !predecessor.spec.enabled() && spec.enabled() ? Transition.ENABLE : Transition.UPDATE;
        this.lastResult = predecessor == null ? new AtomicReference<>(NO_RECORDS_PROCESSED) : predecessor.lastResult;
        // Every older revision, not only the one replaced: that one may not have started yet.
        CompletableFuture<?> predecessorStopped = predecessor == null ? CompletableFuture.completedFuture(null)
                : predecessor.stopped;
        this.revision = revision;
        this.sequence = sequence;
        this.predecessorStopped = predecessorStopped;
        this.stopped = CompletableFuture.allOf(predecessorStopped, ownStop);
        this.spec = spec;
        this.function = function;
        this.origin = origin;
        this.lastModified = lastModified;
        this.sourceKind = sourceKind;
    }

    public String uuid() {
        return uuid;
    }

    public MappingSpec spec() {
        return spec;
    }

    public FunctionSpec function() {
        return function;
    }

    public Origin origin() {
        return origin;
    }

    public Instant lastModified() {
        return lastModified;
    }

    public long revision() {
        return revision;
    }

    long sequence() {
        return sequence;
    }

    MappingStore.Stored stored() {
        return new MappingStore.Stored(uuid, revision, lastModified, spec);
    }

    public String sourceKind() {
        return sourceKind;
    }

    public boolean deleting() {
        return deleting.get();
    }

    /**
     * An updated mapping starts once every revision before it has stopped (not only the one it replaces, which may
     * never have started), so two revisions never run at once and never share leases or a consumer group.
     */
    boolean mayStart(long nowNanos) {
        return !retired.get() && spec.enabled() && running.get() == null && predecessorStopped.isDone()
                && nowNanos - starts.nextAttemptNanos() >= 0;
    }

    /**
     * True until the first start attempt of this enabled revision has ended (moments, unless a handler's constructor
     * hangs): the API shows Creating (Enabling, Updating) meanwhile and refuses an update, as Lambda does.
     */
    public boolean firstStartPending() {
        return spec.enabled() && !retired.get() && !firstStartEnded.get();
    }

    /** True while an older revision is still draining: this one waits, and the API answers that it is in use. */
    public boolean waitingForPredecessor() {
        return !predecessorStopped.isDone();
    }

    /**
     * Claims the start for one caller; false if a start is in progress or the mapping was retired. The claim is
     * published before {@code retired} is read, and {@link #retire} writes {@code retired} before it reads the
     * claim, so of a start and a retirement at the same moment at least one sees the other.
     */
    boolean beginStart() {
        CompletableFuture<Void> start = new CompletableFuture<>();
        if (!startInFlight.compareAndSet(null, start)) {
            return false;
        }
        if (retired.get()) {
            endStart();
            return false;
        }
        return true;
    }

    void endStart() {
        firstStartEnded.set(true);
        CompletableFuture<Void> start = startInFlight.getAndSet(null);
        if (start != null) {
            start.complete(null);
        }
    }

    /** Replaced or deleted: no start begins any more. True for the one caller that retired it. */
    boolean retire() {
        return retired.compareAndSet(false, true);
    }

    boolean retired() {
        return retired.get();
    }

    /**
     * After {@link #retire}: waits for a start that was in progress, so that what it installed can be stopped; at most
     * {@code timeout}, because a start can hang (a handler's constructor that waits for a server). A start that ends
     * later finds the mapping retired and stops what it built itself ({@link MappingRunner#start}).
     *
     * @return true if no start is in progress any more
     */
    boolean awaitStartInFlight(Duration timeout) throws InterruptedException {
        CompletableFuture<Void> start = startInFlight.get();
        if (start == null) {
            return true;
        }
        try {
            start.get(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            // Never: the future only completes normally.
            return true;
        }
    }

    /**
     * After {@link #retire}: marks it stopped at once if nothing runs and no start is in progress, so that an update
     * of a disabled or never started mapping is applied without waiting. The claim is read before the running
     * mapping, which a start installs before it ends its claim.
     */
    boolean stopIfIdle() {
        if (startInFlight.get() == null && running.get() == null) {
            ownStop.complete(null);
            return true;
        }
        return false;
    }

    /** After {@link #retire}: its own esm-core mapping, if it had one, has stopped. */
    void ownStopDone() {
        ownStop.complete(null);
    }

    /** True once it stopped itself (its older revisions may still be draining). */
    boolean selfStopped() {
        return ownStop.isDone();
    }

    /** Completes once this revision and every older one have stopped. */
    CompletableFuture<Void> stopped() {
        return stopped;
    }

    /** True for the one caller that turned the mapping to Deleting; it is retired too. */
    boolean markDeleting() {
        retire();
        return deleting.compareAndSet(false, true);
    }

    @Nullable RunningMapping running() {
        return running.get();
    }

    boolean install(RunningMapping mapping) {
        return running.compareAndSet(null, mapping);
    }

    @Nullable RunningMapping uninstall() {
        return running.getAndSet(null);
    }

    /** Takes this running mapping out, if it is the one installed: true for the one caller that did. */
    boolean uninstall(RunningMapping mapping) {
        return running.compareAndSet(mapping, null);
    }

    /**
     * The running esm-core mapping stopped itself (a fatal error: DISABLED although nobody stopped it) and nothing is
     * starting or stopping it here: the supervisor restarts it, after a backoff. A mapping the worker stops is always
     * taken out ({@link #uninstall}) before its stop, and one whose start fails is taken out by that start, which
     * holds the start claim meanwhile.
     */
    boolean stoppedItself() {
        RunningMapping mapping = running.get();
        return mapping != null && !retired.get() && spec.enabled() && startInFlight.get() == null
                && mapping.state() == MappingState.DISABLED;
    }

    /** Restarts after a fatal stop of this revision (an update or a restart of the worker counts from 0 again). */
    public int fatalRestarts() {
        return starts.fatalRestarts();
    }

    /** Its start attempts: the start and restart paths record them (holding the start claim). */
    StartAttempts starts() {
        return starts;
    }

    /**
     * Lambda's State: Deleting; while an older revision drains, Disabling towards a disabled mapping and Updating
     * otherwise; until its first start attempt has ended, and then until it runs, Creating for a new mapping, Enabling
     * for one enabled again (or whose start is being retried) and Updating for another update; then the running
     * mapping's.
     */
    public String state() {
        if (deleting.get()) {
            return "Deleting";
        }
        if (waitingForPredecessor()) {
            return spec.enabled() ? "Updating" : "Disabling";
        }
        if (firstStartPending()) {
            // Read before the running mapping: a start installs it and may show Enabled before its attempt ends.
            return untilRunning();
        }
        RunningMapping mapping = running.get();
        if (mapping == null) {
            return !spec.enabled() ? "Disabled" : starts.problem() != null ? "Enabling" : untilRunning();
        }
        return switch (mapping.state()) {
            case CREATING -> untilRunning();
            case ENABLING -> transition == Transition.UPDATE ? "Updating" : "Enabling";
            case ENABLED -> "Enabled";
            case DISABLING -> "Disabling";
            case DISABLED -> "Disabled";
        };
    }

    private String untilRunning() {
        return switch (transition) {
            case CREATE -> "Creating";
            case ENABLE -> "Enabling";
            case UPDATE -> "Updating";
        };
    }

    /**
     * True when the mapping should run and does: what readiness asks of each enabled mapping. A mapping being deleted,
     * or waiting for its older revision to drain after an update, is a user's doing, not a fault: it does not make
     * the worker unready (the new revision is judged once it starts).
     */
    public boolean ready() {
        if (deleting.get() || waitingForPredecessor()) {
            return true;
        }
        RunningMapping mapping = running.get();
        return !spec.enabled() || (mapping != null && mapping.state() == MappingState.ENABLED
                && !mapping.stateTransitionReason().startsWith("PROBLEM") && starts.classInit() == null);
    }

    /**
     * Why the worker process must be restarted for this mapping to run: a class whose static initializer failed,
     * which no start in this process can initialize; null otherwise, and for a mapping being deleted (the user's
     * remedy short of a restart, as an update is: a new revision starts without it).
     */
    public @Nullable String processRestartNeeded() {
        ClassInitFailure init = starts.classInit();
        return init == null || deleting.get() ? null : init.advice();
    }

    public String stateTransitionReason() {
        String problem = starts.problem();
        if (problem != null) {
            return "PROBLEM: " + problem;
        }
        RunningMapping mapping = running.get();
        if (mapping == null) {
            return USER_ACTION;
        }
        // Restarted and running until the class's next use: the reason still says what only a new process heals.
        ClassInitFailure init = starts.classInit();
        String reason = mapping.stateTransitionReason();
        return init == null || reason.startsWith("PROBLEM") ? reason : "PROBLEM: " + init.advice();
    }

    /**
     * A failed start's result while the start is retried; else the running revision's once it has processed
     * something, else the last one before it, across updates.
     */
    public String lastProcessingResult() {
        String failedStart = starts.result();
        if (failedStart != null) {
            return failedStart;
        }
        RunningMapping mapping = running.get();
        String own = mapping == null ? NO_RECORDS_PROCESSED : mapping.lastProcessingResult();
        return own.equals(NO_RECORDS_PROCESSED) ? lastResult.get() : own;
    }

    /** After its stop: keeps what the stopped esm-core mapping last processed for the revisions after it. */
    void keepLastResult(RunningMapping stopped) {
        String result = stopped.lastProcessingResult();
        if (!result.equals(NO_RECORDS_PROCESSED)) {
            lastResult.set(result);
        }
    }

    public List<ShardStatus> shards() {
        RunningMapping mapping = running.get();
        return mapping == null ? List.of() : mapping.shards();
    }
}
