package io.esm4j.worker.mappings;

import io.esm4j.MappingState;
import io.esm4j.ShardStatus;
import io.esm4j.worker.config.FunctionSpec;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.source.RunningMapping;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * One mapping the worker manages: its request, where it came from, and the esm-core mapping running it (none while
 * it is disabled or its start is being retried). Fields change by compare-and-set; nothing here blocks.
 */
public final class ManagedMapping {

    /** Where a mapping was defined: the file is read-only through the API, API mappings are persisted. */
    public enum Origin { FILE, API }

    private final String uuid;
    private final MappingSpec spec;
    private final FunctionSpec function;
    private final Origin origin;
    private final Instant lastModified;
    private final long revision;
    private final long sequence;
    private final String sourceKind;
    private final AtomicReference<@Nullable RunningMapping> running = new AtomicReference<>();
    private final AtomicReference<@Nullable String> startProblem = new AtomicReference<>();
    private final AtomicInteger startFailures = new AtomicInteger();
    private final AtomicBoolean starting = new AtomicBoolean();
    private final CompletableFuture<?> predecessorStopped;
    private final AtomicBoolean deleting = new AtomicBoolean();
    private volatile long nextStartAttemptNanos;

    /**
     * @param revision the stored revision (0 for a mapping of the file)
     * @param sequence the registry's change counter when this object was made, to tell which mappings a read of a
     *                 shared store could have missed
     */
    ManagedMapping(String uuid, MappingSpec spec, FunctionSpec function, Origin origin, Instant lastModified,
                   long revision, long sequence, String sourceKind, CompletableFuture<?> predecessorStopped) {
        this.uuid = uuid;
        this.revision = revision;
        this.sequence = sequence;
        this.predecessorStopped = predecessorStopped;
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

    /** An updated mapping starts once the mapping it replaces has stopped, so the two never share leases. */
    boolean mayStart(long nowNanos) {
        return !deleting.get() && spec.enabled() && running.get() == null && predecessorStopped.isDone()
                && nowNanos - nextStartAttemptNanos >= 0;
    }

    boolean beginStart() {
        return starting.compareAndSet(false, true);
    }

    void endStart() {
        starting.set(false);
    }

    /** True for the one caller that turned the mapping to Deleting. */
    boolean markDeleting() {
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

    void startFailed(String problem, long retryAtNanos) {
        startProblem.set(problem);
        startFailures.incrementAndGet();
        nextStartAttemptNanos = retryAtNanos;
    }

    void started() {
        startProblem.set(null);
        startFailures.set(0);
    }

    int startFailures() {
        return startFailures.get();
    }

    long nextStartAttemptNanos() {
        return nextStartAttemptNanos;
    }

    /** Lambda's State: Creating, Enabling, Enabled, Disabling, Disabled, Deleting. */
    public String state() {
        if (deleting.get()) {
            return "Deleting";
        }
        RunningMapping mapping = running.get();
        if (mapping == null) {
            return spec.enabled() ? (startProblem.get() == null ? "Creating" : "Enabling") : "Disabled";
        }
        return switch (mapping.state()) {
            case CREATING -> "Creating";
            case ENABLING -> "Enabling";
            case ENABLED -> "Enabled";
            case DISABLING -> "Disabling";
            case DISABLED -> "Disabled";
        };
    }

    /** True when the mapping should run and does: what readiness asks of each enabled mapping. */
    public boolean ready() {
        RunningMapping mapping = running.get();
        return !spec.enabled() || (mapping != null && mapping.state() == MappingState.ENABLED
                && !mapping.stateTransitionReason().startsWith("PROBLEM"));
    }

    public String stateTransitionReason() {
        String problem = startProblem.get();
        if (problem != null) {
            return "PROBLEM: " + problem;
        }
        RunningMapping mapping = running.get();
        if (mapping == null) {
            return "USER_INITIATED";
        }
        return mapping.stateTransitionReason();
    }

    public String lastProcessingResult() {
        RunningMapping mapping = running.get();
        return mapping == null ? "No records processed" : mapping.lastProcessingResult();
    }

    public List<ShardStatus> shards() {
        RunningMapping mapping = running.get();
        return mapping == null ? List.of() : mapping.shards();
    }
}
