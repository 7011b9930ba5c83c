package io.esm4j.internal.stream;

import io.esm4j.failure.FailureCondition;
import io.esm4j.failure.FailureRecord.ResponseContext;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchResult;
import io.esm4j.handler.TimeWindow;
import io.esm4j.idempotency.IdempotencySettings;
import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.handler.ClaimTerm;
import io.esm4j.internal.handler.Fatal;
import io.esm4j.internal.handler.RecordFailure;
import io.esm4j.internal.handler.Verdict;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes one batch of a lane to its end: invoke, and on failure retry with backoff, bisect, discard what is too old
 * and give up what exhausted its retries to the on-failure destination ({@link GiveUp}; docs/lambda-semantics.md §2.3,
 * §9). Records leave only through {@code onDone}, in lane order, so the shard never passes an unfinished record.
 */
final class BatchProcessor<T> {

    private static final Logger LOG = LoggerFactory.getLogger(BatchProcessor.class);
    static final String FILTER_FAILED = "PROBLEM: Filter criteria failed";
    /** {@link #invoke}'s answer for a batch that grew too old waiting for a MaximumConcurrency permit. */
    /** Never reaches the status (processRange gives the old records up and goes on), so its result is none. */
    private static final Verdict AGED = new Verdict.NotInvoked("records grew too old waiting for a permit",
            MappingStatus.NO_RECORDS_PROCESSED);
    /** How often a lane that saw its lease lost looks whether the pipeline closed (it is woken when it does). */
    private static final Duration LOSS_RECHECK = Duration.ofSeconds(1);

    private final StreamContext<T> ctx;
    private final StreamSettings settings;
    /**
     * How long a deduplication claim lives from when it is taken or last extended (renewed every third of it while the
     * handler runs), so how long a crashed consumer's claims hold up the shard's next owner.
     * IdempotencySettings.InProgressExpiry overrides it.
     */
    private final Duration claimLifetime;
    private final String shardId;
    private final Consumer<List<Entry<T>>> onDone;
    private final Pauser pauser;
    private final GiveUp<T> giveUp;
    /** Whether the pipeline closed: a batch still waiting for a MaximumConcurrency permit then is not invoked. */
    private final BooleanSupplier closed;
    /** Whether the shard's lease was lost: no batch is invoked from then on, even before the pipeline closes. */
    private final BooleanSupplier leaseLost;
    /** The tumbling window the batch in progress belongs to, or null without windows. */
    private WindowSession<T> window;
    /** The state of the last window response read by {@link #read}. */
    private Map<String, String> returnedState;

    /** Waits that end early when the pipeline closes; returns false if it closed. */
    @FunctionalInterface
    interface Pauser {
        boolean pause(Duration duration) throws InterruptedException;
    }

    /**
     * @param closed    whether the pipeline closed
     * @param leaseLost whether the shard's lease was lost: records are then left to its next owner, not given up
     * @param interrupted whether the engine interrupted the lanes (after closing the pipeline): records are then
     *                    left unfinished, not given up
     */
    BatchProcessor(StreamContext<T> ctx, String shardId, Consumer<List<Entry<T>>> onDone, Pauser pauser,
                   BooleanSupplier closed, BooleanSupplier leaseLost, BooleanSupplier interrupted) {
        this.ctx = ctx;
        this.settings = ctx.settings();
        // Kafka's consumer group, not a lease, moves a partition after a crash: FailoverTime means nothing there.
        this.claimLifetime = IdempotencySettings.streamInProgressExpiry(
                ctx.source() instanceof EngineFactory<?> ? null : settings.failoverTime());
        this.shardId = shardId;
        this.onDone = onDone;
        this.pauser = pauser;
        this.closed = closed;
        this.leaseLost = leaseLost;
        this.giveUp = new GiveUp<>(ctx, shardId, onDone, pauser, leaseLost, closed, interrupted);
    }

    /**
     * Returns true when every record of the batch is done (or, in a tumbling window, aggregated); false when the
     * mapping stopped first.
     */
    boolean process(List<Entry<T>> batch, WindowSession<T> session) throws InterruptedException {
        window = session;
        try {
            return processRange(batch, 0);
        } finally {
            window = null;
        }
    }

    /**
     * The final invocation of a tumbling window: no records, the window's state, {@code isFinalInvokeForWindow}.
     * Its success makes the window's records done. It is retried like any batch: when retries run out, or before a
     * retry once a record of the window is older than MaximumRecordAge or the retention, the window's records are
     * given up, all of them, since its state holds them all. The first attempt is always made: the records were young
     * enough when the handler got them, and a window may be longer than the maximum age. Its batch's and its failure
     * record's {@code approximateInvokeCount} count its own invocations. Returns false when the mapping stopped first.
     */
    boolean closeWindow(WindowSession<T> session, boolean terminatedEarly) throws InterruptedException {
        int invocations = 0;
        for (int rounds = 1; ; rounds++) {
            Verdict verdict = invoke(List.of(), session.view(true, terminatedEarly), invocations + 1);
            if (verdict == null) {
                return false;
            }
            if (verdict instanceof Verdict.Succeeded) {
                onDone.accept(session.aggregated);
                return true;
            }
            // A final invocation the function never got uses up no retry attempt (see processRange).
            if (!(verdict instanceof Verdict.NotInvoked) && exhausted(++invocations)) {
                // No records, so no item failures: the final invocation either failed or its response was refused.
                ResponseContext response = verdict instanceof Verdict.Failed failed ? failed.response()
                        : ResponseContext.unhandled();
                return session.aggregated.isEmpty() || giveUp.records(session.aggregated,
                        FailureCondition.RetryAttemptsExhausted, response, invocations);
            }
            if (!pauser.pause(ctx.backoff().delay(rounds))) {
                return false;
            }
            if (giveUp.anyTooOld(session.aggregated)) {
                return giveUp.records(session.aggregated, FailureCondition.RecordAgeExceeded, null, invocations);
            }
        }
    }

    private void succeeded(List<Entry<T>> entries) {
        if (window == null) {
            onDone.accept(entries);
        } else {
            window.aggregated(entries, returnedState);
        }
    }

    private boolean processRange(List<Entry<T>> range, int retriesUsed) throws InterruptedException {
        List<Entry<T>> current = range;
        int notInvokedRounds = 0;
        while (true) {
            current = giveUp.discardTooOld(current);
            if (current != null) {
                List<Entry<T>> deliverable = giveUp.discardUndeliverable(current, window);
                // Records given up there waited for the destination to take them, which may have made the rest too old.
                current = deliverable == null || deliverable.size() == current.size() ? deliverable
                        : giveUp.discardTooOld(deliverable);
            }
            if (current == null) {
                return false;
            }
            Verdict verdict;
            ResponseContext response;
            try {
                current = withoutFilteredOut(current);
                if (current.isEmpty()) {
                    return true;
                }
                verdict = invoke(current, window == null ? null : window.view(false, false), 0);
                if (verdict == null) {
                    return false;
                }
                if (verdict == AGED) {
                    continue;
                }
            } catch (FilterFailure failure) {
                verdict = new Verdict.Failed(failure.getMessage());
            }
            boolean attempt = true;
            switch (verdict) {
                case Verdict.Succeeded s -> {
                    succeeded(current);
                    return true;
                }
                case Verdict.PartiallyFailed partial -> {
                    succeeded(current.subList(0, partial.firstFailed()));
                    current = List.copyOf(current.subList(partial.firstFailed(), current.size()));
                    response = partial.response();
                    attempt = partial.handlerFailed();
                }
                case Verdict.NotInvoked notInvoked -> {
                    response = null;
                    attempt = false;
                }
                case Verdict.Failed failed -> {
                    // A batch whose filter could not be evaluated never reached the function: no response.
                    response = failed.reason().startsWith(FilterFailure.PREFIX) ? null : failed.response();
                    if (settings.bisectBatchOnFunctionError() && current.size() > 1) {
                        return bisect(current, retriesUsed, response);
                    }
                }
            }
            // Records the function never got (another consumer holds their idempotency key, the store failed, or the
            // handler threw FunctionNotInvokedException: throttled) use up no retry attempt and are not bisected, as
            // Lambda does not count errors before the function runs: they come back after a backoff, bounded by
            // MaximumRecordAge and the retention only.
            if (attempt) {
                retriesUsed++;
                if (exhausted(retriesUsed)) {
                    return giveUp.records(current, FailureCondition.RetryAttemptsExhausted, response);
                }
            } else {
                notInvokedRounds++;
            }
            if (!pauser.pause(ctx.backoff().delay(retriesUsed + notInvokedRounds))) {
                return false;
            }
        }
    }

    /** The filter criteria threw on a record again: the batch fails without invoking the handler. */
    private static final class FilterFailure extends Exception {
        static final String PREFIX = "filter criteria could not be evaluated on record ";

        FilterFailure(String sequenceNumber, Throwable cause) {
            super(PREFIX + sequenceNumber + ": " + Fatal.describe(RecordFailure.of(cause)), cause, false, false);
        }
    }

    /**
     * Evaluates the filter again on records it failed on when they were read. Those that no longer match are done
     * (filtered out); if it fails again, so does the batch, as if the handler had failed on that record.
     */
    private List<Entry<T>> withoutFilteredOut(List<Entry<T>> entries) throws FilterFailure {
        List<Entry<T>> filteredOut = new ArrayList<>();
        for (Entry<T> entry : entries) {
            if (!entry.filterPending) {
                continue;
            }
            try {
                if (ctx.filter().matches(entry.record)) {
                    entry.filterPending = false;
                } else {
                    filteredOut.add(entry);
                }
            } catch (Throwable e) {
                Fatal.rethrowIfFatal(e);
                LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId)
                        .addKeyValue("sequenceNumber", entry.record.sequenceNumber()).setCause(RecordFailure.of(e))
                        .log("filter criteria failed again; the batch fails");
                ctx.status().processed(FILTER_FAILED);
                throw new FilterFailure(entry.record.sequenceNumber(), e);
            }
        }
        if (filteredOut.isEmpty()) {
            return entries;
        }
        ctx.metrics().filteredOut.increment(filteredOut.size());
        onDone.accept(filteredOut);
        List<Entry<T>> rest = new ArrayList<>(entries);
        rest.removeAll(filteredOut);
        return rest;
    }

    /**
     * Splitting does not consume the retry quota unless BisectConsumesRetryQuota says so (docs/lambda-semantics.md
     * §10.1).
     *
     * @param response the failure record's response if the split uses up the quota: null if the function never got
     *                 the batch (its filter failed), as when retries run out without a split
     */
    private boolean bisect(List<Entry<T>> failed, int retriesUsed, ResponseContext response)
            throws InterruptedException {
        int used = retriesUsed;
        if (settings.bisectConsumesRetryQuota()) {
            used++;
            if (exhausted(used)) {
                return giveUp.records(failed, FailureCondition.RetryAttemptsExhausted, response);
            }
        }
        // Invoking the halves retries their records; once the worker is stopping, a failed batch is not retried
        // (its records stay after the checkpoint for the next run), halves included.
        if (!pauser.pause(Duration.ZERO)) {
            return false;
        }
        int middle = failed.size() / 2;
        // The second half is a retry too: a stop that came while the first half ran ends the bisection there.
        return processRange(List.copyOf(failed.subList(0, middle)), used) && pauser.pause(Duration.ZERO)
                && processRange(List.copyOf(failed.subList(middle, failed.size())), used);
    }

    private boolean exhausted(int retriesUsed) {
        return !settings.retriesUnlimited() && retriesUsed > settings.maximumRetryAttempts();
    }

    /**
     * Invokes the handler, holding a MaximumConcurrency permit while it runs; null, without invoking, if the lease is
     * lost or the pipeline closed while the batch waited for a permit (its records stay after the checkpoint);
     * {@link #AGED}, without invoking, if a record grew too old meanwhile: a batch waits for a permit as long as other
     * shards' handlers run, and what is older than MaximumRecordAge is not invoked (processRange gives it up and
     * invokes the rest).
     *
     * @param finalAttempt for a window's final invocation (no records), which attempt this is: its batch's
     *                     {@code approximateInvokeCount}; a batch of records counts its records' invocations instead
     */
    private Verdict invoke(List<Entry<T>> entries, TimeWindow timeWindow, int finalAttempt)
            throws InterruptedException {
        if (leaseLost.getAsBoolean()) {
            return notInvokedAfterLoss();
        }
        ConcurrencyLimit limit = ctx.concurrency();
        if (limit == null) {
            return invokeNow(entries, timeWindow, finalAttempt);
        }
        if (!limit.acquire(closed)) {
            return null;
        }
        try {
            if (!leaseLost.getAsBoolean()) {
                // A window's final invocation has no records: its window's ages are checked between its attempts.
                return giveUp.anyTooOld(entries) ? AGED : invokeNow(entries, timeWindow, finalAttempt);
            }
        } finally {
            limit.release();
        }
        return notInvokedAfterLoss();
    }

    /**
     * The lease is lost: the batch is not invoked, and its records stay after the checkpoint for the lease's next
     * owner. The loss is marked at once by whoever notices it (the renewer, a refused checkpoint, the coordinator),
     * while the pipeline closes only once the shard's supervisor thread gets to it: on a worker whose carrier threads
     * are all busy with handlers, that can take as long as the handlers' batches, and a lane would meanwhile start
     * batch after batch of a shard that another worker runs by now. The lane waits for the pipeline to close, as it
     * would have ended then anyway: a lane that ended on its own first would look like a session's lanes ending
     * unasked.
     */
    private Verdict notInvokedAfterLoss() throws InterruptedException {
        while (pauser.pause(LOSS_RECHECK)) {
            // The supervisor closes the pipeline once it handles the loss.
        }
        return null;
    }

    private Verdict invokeNow(List<Entry<T>> entries, TimeWindow timeWindow, int finalAttempt)
            throws InterruptedException {
        @SuppressWarnings("unchecked")
        StreamRecord<T>[] records = new StreamRecord[entries.size()];
        for (int i = 0; i < records.length; i++) {
            Entry<T> entry = entries.get(i);
            entry.invokeCount++;
            records[i] = entry.record;
        }
        int invokeCount = entries.isEmpty() ? finalAttempt : entries.getFirst().invokeCount;
        // List.of makes the one immutable copy that Batch then keeps as it is.
        Batch<StreamRecord<T>> batch = new Batch<>(List.of(records), shardId, ctx.source().streamArn(), invokeCount,
                timeWindow);
        Verdict verdict = ctx.invoker().invoke(batch, new ClaimTerm.Lasting(claimLifetime), this::read,
                closed);
        // approximateInvokeCount counts the invocations a record was part of: the function never got these.
        switch (verdict) {
            case Verdict.NotInvoked notInvoked -> entries.forEach(entry -> entry.invokeCount--);
            case Verdict.PartiallyFailed partial -> partial.notInvoked().stream()
                    .forEach(position -> entries.get(position).invokeCount--);
            case Verdict.Succeeded s -> { }
            case Verdict.Failed f -> { }
        }
        return verdict;
    }

    /**
     * A tumbling-window response must carry state. (A partial failure is kept record by record, so that the
     * idempotency store records exactly which succeeded; the stream then resumes from the lowest failed one.)
     */
    private Verdict read(Batch<StreamRecord<T>> batch, BatchResult result) {
        if (batch.window() != null) {
            if (!(result instanceof BatchResult.WindowState windowState) || !validState(windowState.state())) {
                LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId)
                        .log("a tumbling-window response without state fails the batch");
                return new Verdict.Failed("a tumbling-window response without state fails the batch",
                        Verdict.answered(result));
            }
            returnedState = windowState.state();
        }
        return ctx.invoker().standardVerdict(batch, result);
    }

    private static boolean validState(Map<String, String> state) {
        return state != null && state.entrySet().stream().allMatch(e -> e.getKey() != null && e.getValue() != null);
    }
}
