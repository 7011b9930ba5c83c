package io.esm4j.internal;

import io.esm4j.MappingState;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * A mapping's state, why it last changed, and its last processing result; written by the engine, read by anyone.
 *
 * <p>State changes are compare-and-set along the lifecycle, so a late writer can never undo a stop (an ENABLING to
 * ENABLED step that loses a race with {@code stop()} simply does not happen). Problems are reported per component
 * (a shard, a poller, the coordinator) and cleared by the component when it recovers: while any is open, the most
 * recent one is the state transition reason; once all are cleared the reason of the last state change shows again.
 */
public final class MappingStatus {

    public static final String NO_RECORDS_PROCESSED = "No records processed";
    public static final String OK = "OK";
    public static final String FUNCTION_CALL_FAILED = "PROBLEM: Function call failed";
    /** esm4j's: the handler said the function was never reached (throttled, unavailable). */
    public static final String FUNCTION_NOT_INVOKED = "PROBLEM: Function not invoked";
    /**
     * esm4j's: the idempotency store failed to claim a batch's keys, so the handler was not invoked and the batch
     * waits (a stream's shard, a queue's messages) until the store answers again.
     */
    public static final String IDEMPOTENCY_STORE_FAILED = "PROBLEM: Idempotency store failed";
    /**
     * esm4j's: the thread that extends a batch's idempotency claims while the handler runs could not start (a process
     * at its thread limit), so the handler was not invoked, its claims were released, and the batch is retried.
     */
    public static final String IDEMPOTENCY_RENEWAL_NOT_STARTED = "PROBLEM: Idempotency claim renewal not started";
    public static final String USER_ACTION = "User action";

    private record Snapshot(MappingState state, String reason) {}

    private record Problem(long order, String text) {}

    private final AtomicReference<Snapshot> current =
            new AtomicReference<>(new Snapshot(MappingState.CREATING, USER_ACTION));
    private final Map<String, Problem> problems = new ConcurrentHashMap<>();
    private final AtomicLong problemOrder = new AtomicLong();
    private final AtomicReference<String> lastProcessingResult = new AtomicReference<>(NO_RECORDS_PROCESSED);
    /** Results components hold (see {@link #hold}), which show instead of the batches' while any is held. */
    private final Map<String, Problem> held = new ConcurrentHashMap<>();
    /** What runs once the mapping is DISABLED (see {@link #whenStopped}); taken by whoever runs it. */
    private final AtomicReference<@Nullable Runnable> onStopped = new AtomicReference<>();

    public MappingState state() {
        return current.get().state();
    }

    /** The newest open problem while the mapping runs; otherwise the reason of the last state change. */
    public String stateTransitionReason() {
        Snapshot snapshot = current.get();
        if (snapshot.state() == MappingState.ENABLING || snapshot.state() == MappingState.ENABLED) {
            return problems.values().stream().max(Comparator.comparingLong(Problem::order)).map(Problem::text)
                    .orElse(snapshot.reason());
        }
        return snapshot.reason();
    }

    /** The newest held result ({@link #hold}) while one is; otherwise the last batch's. */
    public String lastProcessingResult() {
        if (held.isEmpty()) {
            return lastProcessingResult.get();
        }
        return held.values().stream().max(Comparator.comparingLong(Problem::order)).map(Problem::text)
                .orElseGet(lastProcessingResult::get);
    }

    /** Moves from {@code from} to {@code to}; returns false (and changes nothing) if the state is not {@code from}. */
    public boolean advance(MappingState from, MappingState to, String reason) {
        Snapshot seen = current.get();
        return seen.state() == from && current.compareAndSet(seen, new Snapshot(to, reason));
    }

    /**
     * Starts stopping from any state before DISABLING; returns false if a stop had already begun. A stop that follows
     * a fatal error keeps that error as the reason.
     */
    public boolean beginStop(String reason) {
        while (true) {
            Snapshot seen = current.get();
            if (seen.state() == MappingState.DISABLING || seen.state() == MappingState.DISABLED) {
                return false;
            }
            if (current.compareAndSet(seen, new Snapshot(MappingState.DISABLING, reason))) {
                return true;
            }
        }
    }

    /** The end of a stop: DISABLED, with the reason the stop began with. */
    public void stopped() {
        current.updateAndGet(seen -> new Snapshot(MappingState.DISABLED, seen.reason()));
        runOnStopped();
    }

    /**
     * Runs {@code action} once, when the mapping is DISABLED, whichever way it got there (a stop, a fatal error, a
     * failed start); at once if it is already. It runs on the thread that ends the stop; one action per mapping.
     */
    public void whenStopped(Runnable action) {
        onStopped.set(action);
        if (state() == MappingState.DISABLED) {
            // A stop that ended meanwhile may have found nothing to run, or run it already: taking it runs it once.
            runOnStopped();
        }
    }

    private void runOnStopped() {
        Runnable action = onStopped.getAndSet(null);
        if (action != null) {
            action.run();
        }
    }

    /** A component (e.g. {@code shard shardId-1}) reports a problem; it replaces that component's previous one. */
    public void problem(String component, String text) {
        problems.put(component, new Problem(problemOrder.incrementAndGet(), text));
    }

    /** The component works again: its problem goes, and the result it held ({@link #hold}) if it held one. */
    public void resolved(String component) {
        problems.remove(component);
        held.remove(component);
    }

    /**
     * Every component whose name starts with {@code prefix} works again (or is gone): the parts of one whole. Their
     * problems go, and the results they held.
     */
    public void resolvedStartingWith(String prefix) {
        problems.keySet().removeIf(component -> component.startsWith(prefix));
        held.keySet().removeIf(component -> component.startsWith(prefix));
    }

    /**
     * A batch's result. It shows at once unless a component holds a result ({@link #hold}); then once none does.
     */
    public void processed(String result) {
        lastProcessingResult.set(result);
    }

    /**
     * {@code component}'s problem (a refused authorization, say) shows as the last processing result until the
     * component releases it, whatever batches report meanwhile: Lambda shows a PROBLEM until it is resolved, and a
     * result that flipped to a batch's {@code OK} between two refusals would tell a user it was. While several hold
     * one, the newest shows; once none does, the last batch's result shows (or the one from before, if none ran).
     */
    public void hold(String component, String result) {
        held.put(component, new Problem(problemOrder.incrementAndGet(), result));
    }

    /** {@code component} holds no result any more (see {@link #hold}). */
    public void release(String component) {
        held.remove(component);
    }
}
