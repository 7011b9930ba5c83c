package io.esm4j.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.MappingState;
import io.esm4j.ShardStatus;
import io.esm4j.StopResult;
import io.esm4j.handler.BatchResult;
import io.esm4j.internal.ThreadStarts;
import io.esm4j.kafka.KafkaRecord;
import io.esm4j.kafka.KafkaSource;
import io.esm4j.settings.HandlerThreads;
import io.esm4j.settings.StartingPosition;
import io.esm4j.stream.StreamRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A partition's lane thread that cannot start (the JVM's OutOfMemoryError "unable to create native thread", most
 * likely with HandlerThreads=PLATFORM): the partition's pipeline fails as a failing lane's does, shown in the status
 * and restarted with backoff from its done prefix, again and again while no thread starts; once one does, every
 * record is handled, none skipped, and committed. On a MockConsumer, with esm-core's ThreadStarts.
 */
class KafkaLaneStartFailureTest {

    private static final int RECORDS = 20;
    private static final String NAME = "lanes-unstartable";

    private final TopicPartition partition = new TopicPartition(LoopHarness.TOPIC, 0);
    private final String shardId = partition.toString();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ConcurrentLinkedQueue<Long> handled = new ConcurrentLinkedQueue<>();
    /** What the consumer committed (a closed MockConsumer answers nothing). */
    private final Map<TopicPartition, OffsetAndMetadata> commits = new ConcurrentHashMap<>();
    /** The partition's log: a MockConsumer forgets what it returned, a broker reads it again after a seek. */
    private final List<ConsumerRecord<byte[], byte[]>> log = new CopyOnWriteArrayList<>();
    private final LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer() {
        @Override
        public synchronized void seek(TopicPartition seeked, long offset) {
            super.seek(seeked, offset);
            log.stream().filter(r -> r.offset() >= offset).forEach(this::addRecord);
        }

        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
            super.commitSync(offsets);
            commits.putAll(offsets);
        }

        @Override
        public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets,
                                             OffsetCommitCallback callback) {
            super.commitAsync(offsets, callback);
            commits.putAll(offsets);
        }
    };
    private EventSourceMapping<KafkaRecord> mapping;
    private ThreadStarts starts;

    @AfterEach
    void stop() throws InterruptedException {
        if (starts != null) {
            starts.close();
        }
        if (mapping != null) {
            mapping.stop(Duration.ZERO);
        }
    }

    /** The partition's one lane, started with its pipeline at the assignment. */
    @Test
    void aPartitionWhoseLaneCannotStartRestartsFromItsDonePrefixUntilItCan() throws InterruptedException {
        starts = ThreadStarts.refuse("esm4j-" + NAME + "-" + shardId + "-lane-0");
        start(1);

        await().until(() -> starts.refused() >= 3 && shard().restarts() >= 2);
        assertShown("lane-0");
        assertThat(handled).isEmpty();

        starts.allow();
        assertEveryRecordHandledAndCommitted(RECORDS);
        assertThat(handled).hasSize(RECORDS);
    }

    /**
     * With ParallelizationFactor 2, a partition's second lane that cannot start while its first did: the first may
     * handle records until the poll thread closes the failed pipeline; the next one starts after what is done, and
     * once lanes start, handles what comes.
     */
    @Test
    void aPartitionWhoseSecondLaneCannotStartRestartsFromItsDonePrefixUntilItCan() throws InterruptedException {
        starts = ThreadStarts.refuse("esm4j-" + NAME + "-" + shardId + "-lane-1");
        start(2);

        await().until(() -> starts.refused() >= 3 && shard().restarts() >= 2);
        assertShown("lane-1");

        starts.allow();
        // The first lane may have done every record before its pipeline closed: one more shows the new one works.
        consumer.schedulePollTask(() -> append(RECORDS));
        assertEveryRecordHandledAndCommitted(RECORDS + 1);
    }

    /**
     * A partition with nothing to read whose lane could not start: once a restarted pipeline's lanes run and nothing is
     * left to do, the problem goes (it stayed, and with it the mapping's PROBLEM reason, until a record came).
     */
    @Test
    void anIdlePartitionWhoseLaneStartsAgainLosesItsProblem() {
        starts = ThreadStarts.refuseFirst("esm4j-" + NAME + "-" + shardId + "-lane-0", 2);
        start(1, 0);

        await().until(() -> starts.refused() == 2 && shard().restarts() == 2);
        await().until(() -> !mapping.stateTransitionReason().startsWith("PROBLEM"));
        assertThat(mapping.state()).isEqualTo(MappingState.ENABLED);
        assertThat(shard().restarts()).isEqualTo(2);
        assertThat(handled).isEmpty();
    }

    private void start(int parallelizationFactor) {
        start(parallelizationFactor, RECORDS);
    }

    private void start(int parallelizationFactor, int records) {
        mapping = EventSourceMapping.builder(NAME, new SeamedSource(LoopHarness.source().build(), consumer,
                        Thread.ofPlatform().daemon().name("esm4j-" + NAME + "-kafka-poll").factory()),
                        batch -> {
                            batch.records().forEach(r -> handled.add(r.sequenceNumberValue()));
                            return BatchResult.success();
                        })
                .settings(KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON)
                        .parallelizationFactor(parallelizationFactor).handlerThreads(HandlerThreads.PLATFORM)
                        .maximumBatchingWindow(Duration.ZERO).checkpointInterval(Duration.ofMillis(100))
                        .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(200)).build())
                .meterRegistry(registry).build();
        consumer.updateBeginningOffsets(Map.of(partition, 0L));
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(partition));
            for (int i = 0; i < records; i++) {
                append(i);
            }
        });
        mapping.start();
    }

    /** Appends the record at {@code offset} to the partition (on the poll thread: a MockConsumer is not shared). */
    private void append(long offset) {
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(LoopHarness.TOPIC, 0, offset, 0L,
                TimestampType.CREATE_TIME, 0, 2, ("k" + offset).getBytes(), ("v" + offset).getBytes(),
                new RecordHeaders(), Optional.empty());
        log.add(record);
        consumer.addRecord(record);
    }

    private void assertShown(String lane) {
        assertThat(mapping.state()).isIn(MappingState.ENABLING, MappingState.ENABLED);
        assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: partition " + shardId
                + " restarted after a failure: io.esm4j.internal.ThreadNotStarted: thread esm4j-" + NAME + "-"
                + shardId + "-" + lane + " not started: java.lang.OutOfMemoryError: unable to create native thread");
        assertThat(shard().lastError()).contains("ThreadNotStarted");
    }

    /** Every record handled (once, but for what a lane did after its pipeline failed), committed at the stop. */
    private void assertEveryRecordHandledAndCommitted(int records) throws InterruptedException {
        await().until(() -> Set.copyOf(handled).size() == records);
        await().until(() -> !mapping.stateTransitionReason().startsWith("PROBLEM"));
        StopResult result = mapping.stop(Duration.ofSeconds(10));
        mapping = null;
        assertThat(Set.copyOf(handled)).containsExactlyInAnyOrderElementsOf(
                LongStream.range(0, records).boxed().toList());
        assertThat(result.drainedInTime()).isTrue();
        assertThat(result.recordsNotProcessed()).isZero();
        assertThat(result.shardsWithUnsavedCheckpoint()).isEmpty();
        assertThat(commits).containsEntry(partition, new OffsetAndMetadata(records));
    }

    private ShardStatus shard() {
        return mapping.shards().stream().filter(s -> s.shardId().equals(shardId)).findFirst()
                .orElse(new ShardStatus(shardId, null, "", -1, 0, 0, null, null));
    }
}
