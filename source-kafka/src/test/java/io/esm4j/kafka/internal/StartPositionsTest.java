package io.esm4j.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.handler.BatchResult;
import io.esm4j.kafka.KafkaRecord;
import io.esm4j.kafka.KafkaSource;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** Where a partition without a committed offset starts, on a MockConsumer. */
class StartPositionsTest {

    private static final long BASE = 1_700_000_000_000L;
    private final TopicPartition partition = new TopicPartition(LoopHarness.TOPIC, 0);
    private final List<Long> invoked = new CopyOnWriteArrayList<>();

    @Test
    void anAtTimestampLookupThatFailsIsTriedAgainInsteadOfStartingAtTheEarliestRecord() throws Exception {
        AtomicInteger lookups = new AtomicInteger();
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer() {
            @Override
            public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> times,
                                                                           Duration timeout) {
                return offsetsForTimes(times);
            }

            @Override
            public synchronized Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(
                    Map<TopicPartition, Long> times) {
                if (lookups.incrementAndGet() == 1) {
                    throw new TimeoutException("injected: the broker did not answer in time");
                }
                // Record i has timestamp BASE + i s: the first at or after BASE + 4.5 s is 5.
                return Map.of(partition, new OffsetAndTimestamp(5, BASE + 5000));
            }
        };
        StreamSettings settings = KafkaSource.settings()
                .startingPositionAtTimestamp(Instant.ofEpochMilli(BASE + 4500))
                .maximumBatchingWindow(Duration.ZERO).checkpointInterval(Duration.ofMillis(50))
                .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(50)).build();
        assignWithRecords(consumer, 10);
        try (LoopHarness harness = new LoopHarness(settings, consumer, this::record).start()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> invoked.contains(9L));
            await().atMost(Duration.ofSeconds(30)).until(() -> committed(consumer) == 10L);
        }
        assertThat(lookups.get()).isGreaterThanOrEqualTo(2);
        assertThat(invoked).containsExactly(5L, 6L, 7L, 8L, 9L);
    }

    private BatchResult record(io.esm4j.handler.Batch<StreamRecord<KafkaRecord>> batch) {
        batch.records().forEach(r -> invoked.add(r.payload().offset()));
        return BatchResult.success();
    }

    /** On the first poll: the group assigns the partition, which holds {@code count} records. */
    private void assignWithRecords(LoopHarness.PacedConsumer consumer, int count) {
        consumer.updateBeginningOffsets(Map.of(partition, 0L));
        consumer.updateEndOffsets(Map.of(partition, (long) count));
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(partition));
            for (int i = 0; i < count; i++) {
                consumer.addRecord(new ConsumerRecord<>(partition.topic(), 0, i, BASE + i * 1000L,
                        TimestampType.CREATE_TIME, 0, 2, null, ("v" + i).getBytes(), new RecordHeaders(),
                        Optional.empty()));
            }
        });
    }

    private long committed(LoopHarness.PacedConsumer consumer) {
        OffsetAndMetadata offset = consumer.committed(Set.of(partition)).get(partition);
        return offset == null ? -1 : offset.offset();
    }
}
