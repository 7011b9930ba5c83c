package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.StopResult;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.stream.StreamRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Several mappings in one consumer group: partitions move between them as members come and go, nothing is lost,
 * one key's records keep their order, and the only duplicates are records that were in flight when their partition
 * moved.
 */
class GroupRebalanceTest {

    private static final int PARTITIONS = 6;
    private static final int RECORDS = 3000;
    private static KafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = KafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void threeMappingsOneStuckAndClosedOneAddedMidRunLoseNothingAndKeepKeyOrder() throws Exception {
        String topic = broker.topic("group", PARTITIONS);
        String group = "g-" + UUID.randomUUID();
        List<ProducerRecord<byte[], byte[]>> records = Fixtures.keyed(topic, PARTITIONS, 60, RECORDS);
        List<KafkaRecord> succeeded = new CopyOnWriteArrayList<>();
        BatchHandler<StreamRecord<KafkaRecord>> recording = batch -> {
            batch.records().forEach(r -> succeeded.add(r.payload()));
            return BatchResult.success();
        };
        // C works for a while, then hangs in its handler until it is closed: its partitions stay unfinished.
        AtomicInteger cHandled = new AtomicInteger();
        AtomicBoolean cStuck = new AtomicBoolean();
        CountDownLatch never = new CountDownLatch(1);
        BatchHandler<StreamRecord<KafkaRecord>> stuckLater = batch -> {
            if (cHandled.get() >= 100) {
                cStuck.set(true);
                never.await();
            }
            cHandled.addAndGet(batch.size());
            return recording.handle(batch);
        };
        SimpleMeterRegistry aMetrics = new SimpleMeterRegistry();
        EventSourceMapping<KafkaRecord> a = mapping(topic, group, recording, Duration.ofSeconds(30), aMetrics);
        EventSourceMapping<KafkaRecord> b = mapping(topic, group, recording, Duration.ofSeconds(30), null);
        EventSourceMapping<KafkaRecord> c = mapping(topic, group, stuckLater, Duration.ofSeconds(1), null);
        AtomicInteger dHandled = new AtomicInteger();
        EventSourceMapping<KafkaRecord> d = mapping(topic, group, batch -> {
            dHandled.addAndGet(batch.size());
            return recording.handle(batch);
        }, Duration.ofSeconds(30), null);
        List<EventSourceMapping<KafkaRecord>> all = List.of(a, b, c, d);
        try {
            a.start();
            b.start();
            c.start();
            broker.sendAll(records.subList(0, RECORDS / 2));
            await().atMost(Duration.ofSeconds(60)).until(() -> cStuck.get() && succeeded.size() >= 300);
            d.start();
            broker.sendAll(records.subList(RECORDS / 2, RECORDS));
            StopResult cStop = c.stop(Duration.ofSeconds(1));
            assertThat(cStop.drainedInTime()).isFalse();
            await().atMost(Duration.ofSeconds(120)).until(() -> distinctValues(succeeded) == RECORDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> broker.committed(group)
                    .equals(broker.endOffsets(topic, PARTITIONS)));
            assertThat(aMetrics.get(KafkaMetricNames.REBALANCES).counter().count()).isGreaterThanOrEqualTo(2);
            assertThat(dHandled.get()).as("the member added mid-run got partitions").isPositive();
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    aMetrics.get(KafkaMetricNames.OFFSET_LAG).gauge().value() == 0);
        } finally {
            all.forEach(Fixtures::stopQuietly);
        }
        Fixtures.assertCompleteAndOrdered(Fixtures.valuesByKey(succeeded), RECORDS, true);
        // Duplicates come only from records in flight when a partition moved: far fewer than were processed.
        assertThat(succeeded.size() - RECORDS).isLessThan(RECORDS / 2);
    }

    private static EventSourceMapping<KafkaRecord> mapping(String topic, String group,
                                                           BatchHandler<StreamRecord<KafkaRecord>> handler,
                                                           Duration revokeTimeout, SimpleMeterRegistry registry) {
        KafkaSource source = KafkaSource.builder().bootstrapServers(broker.bootstrapServers).topics(topic)
                .consumerGroupId(group).revokeTimeout(revokeTimeout)
                .consumerProperty("session.timeout.ms", "10000").consumerProperty("heartbeat.interval.ms", "500")
                .build();
        EventSourceMapping.Builder<KafkaRecord> builder = EventSourceMapping.builder("group", source, handler)
                .settings(Fixtures.fast().batchSize(10).parallelizationFactor(3).build());
        if (registry != null) {
            builder.meterRegistry(registry);
        }
        return builder.build();
    }

    private static int distinctValues(List<KafkaRecord> records) {
        return (int) records.stream().map(r -> KafkaBroker.text(r.value())).distinct().count();
    }
}
