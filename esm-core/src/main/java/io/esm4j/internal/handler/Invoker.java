package io.esm4j.internal.handler;

import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.handler.FunctionErrorException;
import io.esm4j.handler.FunctionNotInvokedException;
import io.esm4j.handler.HandlerLogContext;
import io.esm4j.idempotency.BatchDeduplicator;
import io.esm4j.internal.FailureRun;
import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.metrics.EngineMetrics;
import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The one path by which both engines call a handler: metrics, deduplication, the reading of the response, and the
 * rule that any non-fatal Throwable from the handler (or the idempotency store) is a failed batch rather than a dead
 * thread, except {@link FunctionNotInvokedException}, which is a batch the function never got
 * ({@link Verdict.NotInvoked}). A fatal one (see {@link Fatal}) propagates so the engine can stop the mapping.
 *
 * @param <R> the record type of the batches
 */
public final class Invoker<R> {

    private static final Logger LOG = LoggerFactory.getLogger(Invoker.class);

    /** Turns a handler's result into a verdict over the batch it was given. */
    @FunctionalInterface
    public interface ResponseReader<R> {
        Verdict read(Batch<R> batch, BatchResult result);
    }

    private final String mappingName;
    private final BatchHandler<R> handler;
    private final BatchDeduplicator<R> deduplicator;
    private final Function<? super R, String> naturalId;
    private final Function<? super R, Object> itemIdentifier;
    private final boolean reportBatchItemFailures;
    private final RetryScope<R> retryScope;
    private final EngineMetrics metrics;
    private final MappingStatus status;
    /**
     * The failures in a row per partition (shard, Kafka partition, queue), so that a batch retried for hours logs its
     * first failure and then a summary now and then, not a stack trace per retry. Removed when the partition's batch
     * succeeds; bounded by {@link #MAX_FAILURE_RUNS} should partitions fail and never succeed again.
     */
    private final ConcurrentHashMap<String, FailureRun> failureRuns = new ConcurrentHashMap<>();
    private static final int MAX_FAILURE_RUNS = 4096;

    /**
     * @param deduplicator   null without idempotency
     * @param naturalId      the record's own id for the idempotency store
     * @param itemIdentifier the id a handler names in ReportBatchItemFailures
     * @param retryScope     which records come back after a partial failure: on streams every record from the lowest
     *                       failed one on (they all count as failed), on queues only the named ones (and on FIFO queues
     *                       the later messages of their groups)
     */
    public Invoker(String mappingName, BatchHandler<R> handler, BatchDeduplicator<R> deduplicator,
                   Function<? super R, String> naturalId, Function<? super R, Object> itemIdentifier,
                   boolean reportBatchItemFailures, RetryScope<R> retryScope, EngineMetrics metrics,
                   MappingStatus status) {
        this.mappingName = mappingName;
        this.handler = handler;
        this.deduplicator = deduplicator;
        this.naturalId = naturalId;
        this.itemIdentifier = itemIdentifier;
        this.reportBatchItemFailures = reportBatchItemFailures;
        this.retryScope = retryScope;
        this.metrics = metrics;
        this.status = status;
    }

    /** Which records come back to the handler after a partial failure. */
    public RetryScope<R> retryScope() {
        return retryScope;
    }

    /**
     * Invokes the handler once with {@code batch}. Records already COMPLETED in the idempotency store are left out of
     * the call (and count as succeeded); a tumbling-window batch is never deduplicated, because the window's state
     * needs every record.
     *
     * @param claimTerm     how long idempotency claims taken for this call last if it never reports back
     * @param reader        reads the handler's result: {@link #standardVerdict} for Lambda's reading
     * @param stopping      whether the engine may have interrupted this thread to stop (it decides that before it
     *                      interrupts): only then does an InterruptedException from the handler or the idempotency
     *                      store end the invocation. One they throw on their own (a client that takes a timeout for an
     *                      interrupt) fails the batch like any exception; taken for a stop, it ended a stream's lane
     *                      silently and restarted a queue's poller with the batch uncounted.
     */
    public Verdict invoke(Batch<R> batch, ClaimTerm claimTerm, ResponseReader<R> reader, BooleanSupplier stopping)
            throws InterruptedException {
        int size = batch.records().size();
        // What the handler got, which deduplication may make fewer than the batch (or none at all): the invocation
        // metrics count it, not the duplicates and held records the handler never saw. Empty until it is called.
        List<List<R>> handed = new ArrayList<>(1);
        Verdict verdict;
        try {
            verdict = deduplicator == null || batch.window() != null
                    ? call(batch, reader, handed)
                    : Deduplicated.invoke(mappingName, deduplicator, batch.records(), naturalId, claimTerm, retryScope,
                            status, subset -> call(batch.withRecords(subset), reader, handed));
        } catch (InterruptedException e) {
            if (stopping.getAsBoolean()) {
                throw e;
            }
            verdict = failed(batch, size, e);
        } catch (FunctionNotInvokedException e) {
            FailureRun.log(LOG, failureRun(batch).failed(), null, false).addKeyValue("mapping", mappingName)
                    .addKeyValue("partition", batch.partition()).addKeyValue("batchSize", size)
                    .addKeyValue("reason", e.getMessage())
                    .log("the function was not invoked; the batch is retried without using up a retry attempt");
            // An invocation tried and not made counts as failed, as in Lambda's FailedInvokeEventCount; records the
            // engine held back itself (the idempotency store's NotInvoked) were never tried and do not.
            failedInvocation(handed.isEmpty() ? size : handed.getFirst().size());
            status.processed(MappingStatus.FUNCTION_NOT_INVOKED);
            return new Verdict.NotInvoked(Fatal.describe(e), MappingStatus.FUNCTION_NOT_INVOKED);
        } catch (Throwable e) {
            Fatal.rethrowIfFatal(e);
            verdict = failed(batch, size, e);
        } finally {
            // A flag the handler left set (it restored an interrupt its own client made up) would end the engine's
            // next wait, and the thread with it. The flag is read first: the engine decides to stop before it
            // interrupts, so a flag that is the stop's is never taken for the handler's.
            if (Thread.currentThread().isInterrupted() && !stopping.getAsBoolean()) {
                Thread.interrupted();
            }
        }
        switch (verdict) {
            case Verdict.Succeeded s -> {
                status.processed(MappingStatus.OK);
                succeeded(batch);
            }
            // The handler never got the failed records (another consumer holds them, or the store failed): no
            // failed invocation.
            case Verdict.PartiallyFailed p when !p.handlerFailed() -> { }
            // Only idempotency gets here (a FunctionNotInvokedException returned above): the store failed to claim,
            // or the claims' renewal got no thread. The batch waits, which the status must show, as the log alone
            // would not; the reason says which.
            case Verdict.NotInvoked n -> {
                status.processed(n.result());
                FailureRun.log(LOG, failureRun(batch).failed(), null, false).addKeyValue("mapping", mappingName)
                        .addKeyValue("partition", batch.partition()).addKeyValue("batchSize", size)
                        .addKeyValue("reason", n.reason())
                        .log("the handler was not invoked (idempotency); the batch is retried without using up a "
                                + "retry attempt");
            }
            case Verdict.PartiallyFailed p -> {
                List<R> got = handed.isEmpty() ? List.of() : handed.getFirst();
                failedInvocation(failedHanded(batch.records(), p, got));
                status.processed(MappingStatus.FUNCTION_CALL_FAILED);
            }
            case Verdict.Failed f -> {
                // A record's own problem in the claim (no usable key, payload validation) fails the batch before the
                // handler runs, as a handler error would: the whole batch counts then.
                failedInvocation(handed.isEmpty() ? size : handed.getFirst().size());
                status.processed(MappingStatus.FUNCTION_CALL_FAILED);
            }
        }
        return verdict;
    }

    private FailureRun failureRun(Batch<R> batch) {
        if (failureRuns.size() >= MAX_FAILURE_RUNS) {
            failureRuns.clear();
        }
        return failureRuns.computeIfAbsent(batch.partition(), partition -> new FailureRun());
    }

    /** A run of failed invocations on the batch's partition ends: one INFO line if it was more than one. */
    private void succeeded(Batch<R> batch) {
        FailureRun run = failureRuns.remove(batch.partition());
        int ended = run == null ? 0 : run.succeeded();
        if (FailureRun.logRecovery(ended)) {
            LOG.atInfo().addKeyValue("mapping", mappingName).addKeyValue("partition", batch.partition())
                    .addKeyValue("failuresInARow", ended).log("handler succeeded again after failed invocations");
        }
    }

    /** One failed invocation of {@code records} records the handler got (or would have: not invoked). */
    private void failedInvocation(int records) {
        metrics.failedInvoke.increment(records);
        metrics.invokeErrors.increment();
    }

    /** Lambda's reading of a response: ignored unless ReportBatchItemFailures is on. */
    public Verdict standardVerdict(Batch<R> batch, BatchResult result) {
        // A view, not a copy: the ids are read only when the response names failed items.
        List<Object> ids = new AbstractList<>() {
            @Override
            public Object get(int index) {
                return itemIdentifier.apply(batch.records().get(index));
            }

            @Override
            public int size() {
                return batch.records().size();
            }
        };
        Verdict verdict = Verdict.of(result, reportBatchItemFailures, ids);
        if (verdict instanceof Verdict.Failed failed) {
            FailureRun.log(LOG, failureRun(batch).failed(), null, false).addKeyValue("mapping", mappingName)
                    .addKeyValue("partition", batch.partition()).addKeyValue("reason", failed.reason())
                    .log("handler response fails the whole batch");
        }
        return verdict;
    }

    private Verdict failed(Batch<R> batch, int size, Throwable e) {
        FailureRun.log(LOG, failureRun(batch).failed(), e, true).addKeyValue("mapping", mappingName)
                .addKeyValue("partition", batch.partition()).addKeyValue("batchSize", size)
                .addKeyValue("invokeCount", batch.approximateInvokeCount()).log("handler failed the batch");
        // Only the handler's own FunctionErrorException reports a response, not one among the causes of another.
        return e instanceof FunctionErrorException error ? new Verdict.Failed(Fatal.describe(e), error.response())
                : new Verdict.Failed(Fatal.describe(e));
    }

    /**
     * The records of a partially failed invocation that count as failed, of those the handler got: every one that
     * comes back, as the retry scope says (on streams every one from the lowest failed on, on a FIFO queue the rest
     * of a failed message's group, elsewhere the failed ones), so that each record invoked is either done or failed.
     */
    private int failedHanded(List<R> records, Verdict.PartiallyFailed verdict, List<R> handedRecords) {
        BitSet counted = retryScope.retried(records, verdict.failedPositions());
        if (handedRecords.size() == records.size()) {
            return counted.cardinality();
        }
        Set<R> handed = Collections.newSetFromMap(new IdentityHashMap<>());
        handed.addAll(handedRecords);
        int failed = 0;
        for (int i = counted.nextSetBit(0); i >= 0; i = counted.nextSetBit(i + 1)) {
            if (handed.contains(records.get(i))) {
                failed++;
            }
        }
        return failed;
    }

    private Verdict call(Batch<R> batch, ResponseReader<R> reader, List<List<R>> handed) throws Exception {
        int size = batch.records().size();
        handed.add(batch.records());
        metrics.invoked.increment(size);
        metrics.batchSize.record(size);
        long started = System.nanoTime();
        BatchResult result;
        try (MDC.MDCCloseable mapping = MDC.putCloseable(HandlerLogContext.MAPPING, mappingName);
             MDC.MDCCloseable partition = MDC.putCloseable(HandlerLogContext.PARTITION, batch.partition())) {
            result = handler.handle(batch);
        } finally {
            metrics.handlerDuration.record(Duration.ofNanos(System.nanoTime() - started));
        }
        return reader.read(batch, result);
    }
}
