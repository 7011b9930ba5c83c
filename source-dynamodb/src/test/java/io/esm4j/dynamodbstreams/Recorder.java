package io.esm4j.dynamodbstreams;

import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.stream.StreamRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * A handler for tests: it keeps every invocation and, in the order the handler finished them, the records of each
 * batch that succeeded (with ReportBatchItemFailures, those before the lowest failed one).
 */
final class Recorder implements BatchHandler<StreamRecord<DynamoDbRecord>> {

    @FunctionalInterface
    interface Behaviour {
        BatchResult handle(Batch<StreamRecord<DynamoDbRecord>> batch) throws Exception;
    }

    private final List<Batch<StreamRecord<DynamoDbRecord>>> invocations = new ArrayList<>();
    private final List<DynamoDbRecord> delivered = new ArrayList<>();
    private final Behaviour behaviour;

    private Recorder(Behaviour behaviour) {
        this.behaviour = behaviour;
    }

    static Recorder succeeding() {
        return new Recorder(batch -> BatchResult.success());
    }

    static Recorder behaving(Behaviour behaviour) {
        return new Recorder(behaviour);
    }

    /** Throws for every batch that holds the record whose item number is {@code poison}. */
    static Recorder failingOn(int poison) {
        return new Recorder(batch -> {
            if (batch.records().stream().anyMatch(r -> WireFixture.number(r.payload()) == poison)) {
                throw new IllegalStateException("poison record");
            }
            return BatchResult.success();
        });
    }

    @Override
    public BatchResult handle(Batch<StreamRecord<DynamoDbRecord>> batch) throws Exception {
        synchronized (this) {
            invocations.add(batch);
        }
        BatchResult result = behaviour.handle(batch);
        List<StreamRecord<DynamoDbRecord>> ok = batch.records();
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
            ok.forEach(r -> delivered.add(r.payload()));
        }
        return result;
    }

    synchronized List<Batch<StreamRecord<DynamoDbRecord>>> invocations() {
        return List.copyOf(invocations);
    }

    synchronized List<DynamoDbRecord> delivered() {
        return List.copyOf(delivered);
    }

    synchronized List<Integer> deliveredNumbers() {
        return delivered.stream().map(WireFixture::number).toList();
    }

    synchronized int deliveredCount() {
        return delivered.size();
    }
}
