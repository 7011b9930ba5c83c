package io.esm4j.stream;

import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A handler for tests: records every invocation and every record of a successful batch (in order of success), and
 * delegates the outcome to a behaviour that may throw.
 */
final class RecordingHandler implements BatchHandler<StreamRecord<byte[]>> {

    @FunctionalInterface
    interface Behaviour {
        BatchResult handle(Batch<StreamRecord<byte[]>> batch) throws Exception;
    }

    private final List<Batch<StreamRecord<byte[]>>> invocations = new ArrayList<>();
    private final List<StreamRecord<byte[]>> succeeded = new ArrayList<>();
    private final AtomicInteger concurrent = new AtomicInteger();
    private final AtomicInteger maxConcurrent = new AtomicInteger();
    private volatile Behaviour behaviour = batch -> BatchResult.success();

    static RecordingHandler succeeding() {
        return new RecordingHandler();
    }

    /** Throws for every batch that holds a record whose data is {@code poison}. */
    static RecordingHandler failingOn(String poison) {
        RecordingHandler handler = new RecordingHandler();
        handler.behave(batch -> {
            if (batch.records().stream().anyMatch(r -> text(r).equals(poison))) {
                throw new IllegalStateException("poison record");
            }
            return BatchResult.success();
        });
        return handler;
    }

    RecordingHandler behave(Behaviour behaviour) {
        this.behaviour = behaviour;
        return this;
    }

    @Override
    public BatchResult handle(Batch<StreamRecord<byte[]>> batch) throws Exception {
        maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
        try {
            synchronized (this) {
                invocations.add(batch);
            }
            BatchResult result = behaviour.handle(batch);
            List<StreamRecord<byte[]>> ok = new ArrayList<>(batch.records());
            if (result instanceof BatchResult.ItemFailures failures) {
                // Records before the lowest failed one count as delivered, as the engine treats them.
                int first = batch.records().size();
                for (Object id : failures.itemIdentifiers()) {
                    for (int i = 0; i < batch.records().size(); i++) {
                        if (batch.records().get(i).sequenceNumber().equals(id)) {
                            first = Math.min(first, i);
                        }
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

    synchronized List<Batch<StreamRecord<byte[]>>> invocations() {
        return List.copyOf(invocations);
    }

    synchronized int invocationCount() {
        return invocations.size();
    }

    synchronized List<StreamRecord<byte[]>> succeeded() {
        return List.copyOf(succeeded);
    }

    synchronized List<String> succeededData() {
        return succeeded.stream().map(RecordingHandler::text).toList();
    }

    int maxConcurrent() {
        return maxConcurrent.get();
    }

    static String text(StreamRecord<byte[]> record) {
        return new String(record.payload(), StandardCharsets.UTF_8);
    }
}
