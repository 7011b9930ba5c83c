package io.esm4j.kafka;

import io.esm4j.failure.FailureDestination;
import io.esm4j.failure.FailureRecord;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An on-failure destination for tests that keeps what it receives. */
final class CollectingDestination implements FailureDestination {

    final List<FailureRecord> received = new CopyOnWriteArrayList<>();

    @Override
    public void send(FailureRecord record) {
        received.add(record);
    }
}
