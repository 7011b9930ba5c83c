package io.esm4j.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A plain consumer of a group (cooperative sticky, no commits) polling on a thread of its own while the test lets it.
 * Held, it stays in the group (its heartbeat thread keeps the session) but does not rejoin a rebalance, and the
 * broker keeps the rebalance open for every member until it does (up to its max.poll.interval.ms, 5 minutes).
 */
final class HeldMember implements AutoCloseable {

    /** Every member's client id starts with it: the group's other members are not these. */
    static final String CLIENT_ID_PREFIX = "held-member-";

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private volatile Set<TopicPartition> assignment = Set.of();
    private boolean held;
    private boolean parked;
    private boolean closed;

    private HeldMember(KafkaBroker broker, String group, String topic) {
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, group, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.CLIENT_ID_CONFIG, CLIENT_ID_PREFIX + UUID.randomUUID(),
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName(),
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10000, ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(Set.of(topic));
        thread = Thread.ofPlatform().name("held-member-" + topic).start(this::run);
    }

    /** Joins {@code group} reading {@code topic}, and polls until held. */
    static HeldMember join(KafkaBroker broker, String group, String topic) {
        return new HeldMember(broker, group, topic);
    }

    Set<TopicPartition> assignment() {
        return assignment;
    }

    /** Returns once the member's thread is between polls and will not poll again until {@link #release()}. */
    synchronized void hold() throws InterruptedException {
        held = true;
        while (!parked) {
            if (!thread.isAlive()) {
                throw new IllegalStateException("the member's thread ended before it could be held");
            }
            wait(100);
        }
    }

    synchronized void release() {
        held = false;
        notifyAll();
    }

    private void run() {
        try {
            while (awaitTurn()) {
                consumer.poll(Duration.ofMillis(100));
                assignment = Set.copyOf(consumer.assignment());
            }
        } catch (WakeupException | InterruptedException e) {
            // closed
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** Parks while held; false once closed. */
    private synchronized boolean awaitTurn() throws InterruptedException {
        while (held && !closed) {
            parked = true;
            notifyAll();
            wait();
        }
        parked = false;
        return !closed;
    }

    /** Leaves the group (the consumer closes on its own thread); a second call does nothing. */
    @Override
    public void close() throws InterruptedException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            notifyAll();
        }
        consumer.wakeup();
        thread.join();
    }
}
