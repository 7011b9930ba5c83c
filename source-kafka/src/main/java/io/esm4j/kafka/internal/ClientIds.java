package io.esm4j.kafka.internal;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code client.id} esm4j gives the Kafka clients of a mapping when the user gives none, so that the clients' own
 * log lines ({@code [Consumer clientId=esm4j-orders-1, groupId=...]}), their JMX metrics and the broker's request logs
 * and quotas name the mapping (or the failure topic) rather than the consumer group's id, a random UUID by default. The number keeps ids
 * unique in the JVM, as Kafka's own defaults are: a client whose id is taken cannot register its JMX metrics.
 */
public final class ClientIds {

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private ClientIds() {
    }

    /** {@code esm4j-<mapping>-<n>} for the mapping's consumer. */
    public static String consumer(String mapping) {
        return "esm4j-" + mapping + "-" + SEQUENCE.incrementAndGet();
    }

    /**
     * {@code esm4j-failure-topic-<topic>-<n>} for the producer of an on-failure topic: by the topic, as one
     * destination may serve several mappings.
     */
    public static String failureTopicProducer(String topic) {
        return "esm4j-failure-topic-" + topic + "-" + SEQUENCE.incrementAndGet();
    }
}
