package io.esm4j.kafka;

import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.stream.StreamRecord;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** A handler that records every batch it completed, and can be told how to answer. */
final class Recorder implements BatchHandler<StreamRecord<KafkaRecord>> {

    final List<Batch<StreamRecord<KafkaRecord>>> invocations = new CopyOnWriteArrayList<>();
    final List<KafkaRecord> succeeded = new CopyOnWriteArrayList<>();
    private volatile Function<Batch<StreamRecord<KafkaRecord>>, BatchResult> behaviour = b -> BatchResult.success();

    Recorder behave(Function<Batch<StreamRecord<KafkaRecord>>, BatchResult> behaviour) {
        this.behaviour = behaviour;
        return this;
    }

    @Override
    public BatchResult handle(Batch<StreamRecord<KafkaRecord>> batch) throws Exception {
        invocations.add(batch);
        BatchResult result = behaviour.apply(batch);
        if (result.equals(BatchResult.success())) {
            batch.records().forEach(r -> succeeded.add(r.payload()));
        }
        return result;
    }

    /** Values that succeeded, per key, in the order they succeeded. */
    Map<String, List<String>> valuesByKey() {
        return Fixtures.valuesByKey(succeeded);
    }

    static String value(StreamRecord<KafkaRecord> record) {
        return KafkaBroker.text(record.payload().value());
    }
}
