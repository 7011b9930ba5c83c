package io.esm4j.dynamodbstreams;

import io.esm4j.failure.FailureDestination;
import io.esm4j.failure.FailureRecord;
import java.util.ArrayList;
import java.util.List;

/** An on-failure destination that keeps what it receives. */
final class CollectingDestination implements FailureDestination {

    private final List<FailureRecord> received = new ArrayList<>();

    @Override
    public synchronized void send(FailureRecord record) {
        received.add(record);
    }

    synchronized List<FailureRecord> received() {
        return List.copyOf(received);
    }
}
