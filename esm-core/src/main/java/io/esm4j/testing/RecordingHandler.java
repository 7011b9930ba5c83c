package io.esm4j.testing;

import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.stream.StreamRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A stream handler for tests: it keeps every invocation and, in the order the handler finished them, the records of
 * each batch that succeeded (with ReportBatchItemFailures, those before the lowest failed one, as the engine counts
 * them), and delegates each batch's outcome to a behaviour that may throw. Thread-safe.
 *
 * @param <T> the payload type of the source's records
 */
public final class RecordingHandler<T> implements BatchHandler<StreamRecord<T>> {

    /** What the handler does with a batch: return a result or throw (a function error). */
    @FunctionalInterface
    public interface Behaviour<T> {
        /**
         * Handles one batch.
         *
         * @param batch the batch as the handler gets it
         * @return the batch's result
         * @throws Exception a function error
         */
        BatchResult handle(Batch<StreamRecord<T>> batch) throws Exception;
    }

    private final List<Batch<StreamRecord<T>>> invocations = new ArrayList<>();
    private final List<StreamRecord<T>> succeeded = new ArrayList<>();
    private final AtomicInteger concurrent = new AtomicInteger();
    private final AtomicInteger maxConcurrent = new AtomicInteger();
    private volatile Behaviour<T> behaviour = batch -> BatchResult.success();

    private RecordingHandler() {}

    /**
     * A handler whose every batch succeeds until {@link #behave} says otherwise.
     *
     * @param <T> the payload type
     * @return a new handler
     */
    public static <T> RecordingHandler<T> succeeding() {
        return new RecordingHandler<>();
    }

    /**
     * A handler that throws for every batch holding a record whose payload is poison.
     *
     * @param poison which payloads fail their batch
     * @param <T>    the payload type
     * @return a new handler
     */
    public static <T> RecordingHandler<T> failingOn(Predicate<? super T> poison) {
        Objects.requireNonNull(poison, "poison");
        return RecordingHandler.<T>succeeding().behave(batch -> {
            if (batch.records().stream().anyMatch(r -> poison.test(r.payload()))) {
                throw new IllegalStateException("poison record");
            }
            return BatchResult.success();
        });
    }

    /**
     * Replaces the behaviour for the batches that come from now on.
     *
     * @param behaviour what to do with each batch
     * @return this handler
     */
    public RecordingHandler<T> behave(Behaviour<T> behaviour) {
        this.behaviour = Objects.requireNonNull(behaviour, "behaviour");
        return this;
    }

    @Override
    public BatchResult handle(Batch<StreamRecord<T>> batch) throws Exception {
        maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
        try {
            synchronized (this) {
                invocations.add(batch);
            }
            BatchResult result = behaviour.handle(batch);
            List<StreamRecord<T>> ok = batch.records();
            if (result instanceof BatchResult.ItemFailures failures) {
                int first = ok.size();
                for (int i = 0; i < ok.size(); i++) {
                    if (failures.itemIdentifiers().contains(ok.get(i).sequenceNumber())) {
                        first = Math.min(first, i);
                    }
                }
                ok = ok.subList(0, first);
            }
            synchronized (this) {
                succeeded.addAll(ok);
            }
            return result;
        } finally {
            concurrent.decrementAndGet();
        }
    }

    /** @return every batch the handler got, in order of arrival */
    public synchronized List<Batch<StreamRecord<T>>> invocations() {
        return List.copyOf(invocations);
    }

    /** @return how many batches the handler got */
    public synchronized int invocationCount() {
        return invocations.size();
    }

    /** @return the records of successful batches (or their successful prefix), in order of success */
    public synchronized List<StreamRecord<T>> succeeded() {
        return List.copyOf(succeeded);
    }

    /** @return the payloads of {@link #succeeded()} */
    public synchronized List<T> succeededPayloads() {
        return succeeded.stream().map(StreamRecord::payload).toList();
    }

    /**
     * The payloads of {@link #succeeded()}, each seen through a function (e.g. the data as text).
     *
     * @param view what to take from each payload
     * @param <R>  what the function returns
     * @return one value per succeeded record, in order of success
     */
    public synchronized <R> List<R> succeededPayloads(Function<? super T, ? extends R> view) {
        return succeeded.stream().<R>map(r -> view.apply(r.payload())).toList();
    }

    /** @return how many records succeeded */
    public synchronized int succeededCount() {
        return succeeded.size();
    }

    /** @return the most batches the handler ever held at once */
    public int maxConcurrent() {
        return maxConcurrent.get();
    }
}
