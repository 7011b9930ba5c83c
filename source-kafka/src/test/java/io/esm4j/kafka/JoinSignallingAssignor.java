package io.esm4j.kafka;

import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;

/**
 * The cooperative sticky assignor (set through {@code partition.assignment.strategy}), counting the JoinGroup
 * requests its consumer sends: the classic consumer builds a request's subscription, and with it this user data, right
 * after it has marked itself as rebalancing, so once the count moved the consumer's commits are refused until the
 * rebalance completes. Kafka instantiates it by name, so the count is static; a test gives it to one consumer only.
 */
public final class JoinSignallingAssignor extends CooperativeStickyAssignor {

    private static final AtomicInteger joins = new AtomicInteger();

    static void reset() {
        joins.set(0);
    }

    static int joins() {
        return joins.get();
    }

    @Override
    public ByteBuffer subscriptionUserData(Set<String> topics) {
        joins.incrementAndGet();
        return super.subscriptionUserData(topics);
    }
}
