package io.esm4j.queue;

import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.testing.SqsLikeMessage;
import java.util.ArrayList;
import java.util.List;

/** A queue handler for tests: records every invocation and delegates the outcome to a behaviour. */
final class QueueRecorder implements BatchHandler<QueueMessage<SqsLikeMessage>> {

    @FunctionalInterface
    interface Behaviour {
        BatchResult handle(Batch<QueueMessage<SqsLikeMessage>> batch) throws Exception;
    }

    private final List<List<String>> invocations = new ArrayList<>();
    private volatile Behaviour behaviour = batch -> BatchResult.success();

    QueueRecorder behave(Behaviour behaviour) {
        this.behaviour = behaviour;
        return this;
    }

    @Override
    public BatchResult handle(Batch<QueueMessage<SqsLikeMessage>> batch) throws Exception {
        synchronized (this) {
            invocations.add(batch.records().stream().map(m -> m.payload().body()).toList());
        }
        return behaviour.handle(batch);
    }

    synchronized List<List<String>> invocations() {
        return List.copyOf(invocations);
    }

    synchronized List<String> bodies() {
        return invocations.stream().flatMap(List::stream).toList();
    }

    static String body(QueueMessage<SqsLikeMessage> message) {
        return message.payload().body();
    }
}
