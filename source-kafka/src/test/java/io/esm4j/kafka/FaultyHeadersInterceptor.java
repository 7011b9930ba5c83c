package io.esm4j.kafka;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A consumer interceptor (set through {@code interceptor.classes}) that, once armed, swaps the first record of the
 * n-th poll with records of the armed topic for a copy whose headers throw when read: the poll thread hands it on
 * as usual, and turning it into the handler's record fails after the poll. Kafka instantiates it by name, so what
 * it is armed with is static; tests arm it with a topic of their own.
 */
public final class FaultyHeadersInterceptor implements ConsumerInterceptor<byte[], byte[]> {

    private static volatile String topic = "";
    private static final AtomicInteger pollsLeft = new AtomicInteger();
    private static final AtomicInteger injected = new AtomicInteger();

    /** The {@code poll}-th poll (from 1) that returns records of {@code topic} carries one faulty record. */
    static void arm(String armedTopic, int poll) {
        injected.set(0);
        pollsLeft.set(poll);
        topic = armedTopic;
    }

    static int injected() {
        return injected.get();
    }

    @Override
    public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
        TopicPartition first = records.partitions().stream().filter(p -> p.topic().equals(topic)).findFirst()
                .orElse(null);
        if (first == null || pollsLeft.decrementAndGet() != 0) {
            return records;
        }
        Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> swapped = new HashMap<>();
        for (TopicPartition partition : records.partitions()) {
            swapped.put(partition, new ArrayList<>(records.records(partition)));
        }
        ConsumerRecord<byte[], byte[]> record = swapped.get(first).getFirst();
        swapped.get(first).set(0, new ConsumerRecord<>(record.topic(), record.partition(), record.offset(),
                record.timestamp(), record.timestampType(), record.serializedKeySize(),
                record.serializedValueSize(), record.key(), record.value(), new UnreadableHeaders(),
                record.leaderEpoch()));
        injected.incrementAndGet();
        return new ConsumerRecords<>(swapped, records.nextOffsets());
    }

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {}

    @Override
    public void close() {}

    @Override
    public void configure(Map<String, ?> configs) {}

    private static final class UnreadableHeaders extends RecordHeaders {
        @Override
        public Header[] toArray() {
            throw new IllegalStateException("injected fault reading a record's headers");
        }
    }
}
