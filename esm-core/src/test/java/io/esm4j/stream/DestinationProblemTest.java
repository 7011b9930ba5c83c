package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.failure.FailureDestination;
import io.esm4j.failure.FailureRecord;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchHandler;
import io.esm4j.testing.InMemoryStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A shard that waits on its on-failure destination shows it in the mapping's status (and so its readiness) for exactly
 * as long as it waits: not cleared while a lane still waits because another lane of the shard delivered, and not left
 * behind once the shard's session was restarted and its records delivered by the new one.
 */
class DestinationProblemTest {

    private static final String WAITING = "PROBLEM: on-failure destination refused the failure record of shard ";

    private final InMemoryStream stream = InMemoryStream.create("dest-problem", 1);
    private final List<FailureRecord> delivered = Collections.synchronizedList(new ArrayList<>());

    DestinationProblemTest() {
        // Key "a" and key "b" go to the two different lanes of ParallelizationFactor 2.
        assertThat(Math.floorMod("a".hashCode(), 2)).isNotEqualTo(Math.floorMod("b".hashCode(), 2));
    }

    private static boolean holds(Batch<StreamRecord<byte[]>> batch, StreamRecord<byte[]> record) {
        return batch.records().contains(record);
    }

    private boolean delivered(StreamRecord<byte[]> record) {
        synchronized (delivered) {
            return delivered.stream().anyMatch(f ->
                    ((StreamBatchInfo) f.batchInfo()).startSequenceNumber().equals(record.sequenceNumber()));
        }
    }

    @Test
    void aLaneStillWaitingOnTheDestinationKeepsTheProblemWhenAnotherLaneDelivers() throws Exception {
        StreamRecord<byte[]> pa = stream.put("a", "pa");
        StreamRecord<byte[]> pb = stream.put("b", "pb");
        StreamRecord<byte[]> afterPb = stream.put("b", "after-pb");
        CountDownLatch paRefused = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger paDeliveries = new AtomicInteger();
        AtomicInteger pbDeliveries = new AtomicInteger();
        // Each lane's first delivery is refused; pb's second is taken, pa's second is still under way while the test
        // looks at the status.
        FailureDestination destination = record -> {
            String start = ((StreamBatchInfo) record.batchInfo()).startSequenceNumber();
            if (start.equals(pa.sequenceNumber())) {
                if (paDeliveries.incrementAndGet() == 1) {
                    paRefused.countDown();
                    throw new IllegalStateException("destination unavailable");
                }
                release.await(30, TimeUnit.SECONDS);
            } else if (start.equals(pb.sequenceNumber()) && pbDeliveries.incrementAndGet() == 1) {
                throw new IllegalStateException("destination unavailable");
            }
            delivered.add(record);
        };
        List<StreamRecord<byte[]>> invoked = Collections.synchronizedList(new ArrayList<>());
        BatchHandler<StreamRecord<byte[]>> handler = batch -> {
            invoked.addAll(batch.records());
            if (holds(batch, pb)) {
                paRefused.await(30, TimeUnit.SECONDS);
            }
            if (holds(batch, pa) || holds(batch, pb)) {
                throw new IllegalStateException("poison");
            }
            return io.esm4j.handler.BatchResult.success();
        };
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("dest-problem", stream, handler)
                .settings(Streams.fast().batchSize(1).parallelizationFactor(2).maximumRetryAttempts(0).build())
                .onFailure(destination).build();
        mapping.start();
        try {
            // Lane "b" delivered pb's failure record at its second attempt and went on; lane "a" still tries pa's.
            await().until(() -> invoked.contains(afterPb));
            assertThat(delivered(pb)).isTrue();
            assertThat(delivered(pa)).isFalse();
            assertThat(mapping.stateTransitionReason()).as("lane a still waits on the destination")
                    .startsWith(WAITING + pa.shardId() + " (1 records from " + pa.sequenceNumber() + ")");

            release.countDown();
            await().until(() -> delivered(pa));
            await().until(mapping::stateTransitionReason, "User action"::equals);
        } finally {
            release.countDown();
            Streams.stopQuietly(mapping);
        }
    }

    @Test
    void theProblemDoesNotOutliveASessionRestartOnceTheNewSessionDelivers() throws Exception {
        StreamRecord<byte[]> pa = stream.put("a", "pa");
        StreamRecord<byte[]> pb = stream.put("b", "pb");
        StreamRecord<byte[]> last = stream.put("b", "last");
        FaultyStream source = new FaultyStream(stream);
        CountDownLatch paRefused = new CountDownLatch(1);
        AtomicBoolean refusing = new AtomicBoolean(true);
        AtomicInteger readersOpened = new AtomicInteger();
        // The second session's reader: from then on the destination takes everything.
        source.openReader = shardId -> {
            if (readersOpened.incrementAndGet() == 2) {
                refusing.set(false);
            }
        };
        // pb's failure record cannot be made once, a failure on the record path: the shard's session restarts while
        // lane "a" waits on the destination.
        AtomicBoolean batchInfoFailed = new AtomicBoolean();
        source.batchInfo = records -> {
            if (records.contains(pb) && batchInfoFailed.compareAndSet(false, true)) {
                throw new IllegalStateException("batch info failed");
            }
        };
        FailureDestination destination = record -> {
            if (refusing.get()) {
                paRefused.countDown();
                throw new IllegalStateException("destination unavailable");
            }
            delivered.add(record);
        };
        BatchHandler<StreamRecord<byte[]>> handler = batch -> {
            if (holds(batch, pb)) {
                paRefused.await(30, TimeUnit.SECONDS);
            }
            if (holds(batch, pa) || holds(batch, pb)) {
                throw new IllegalStateException("poison");
            }
            return io.esm4j.handler.BatchResult.success();
        };
        RecordingLeaseStore store = new RecordingLeaseStore();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("dest-problem", source, handler)
                .settings(Streams.fast().batchSize(1).parallelizationFactor(2).maximumRetryAttempts(0).build())
                .leaseStore(store).onFailure(destination).build();
        mapping.start();
        try {
            await().until(() -> last.sequenceNumber().equals(store.sequenceNumber("dest-problem", pa.shardId())));
            assertThat(readersOpened.get()).as("the session restarted").isGreaterThanOrEqualTo(2);
            assertThat(delivered(pa)).isTrue();
            assertThat(delivered(pb)).isTrue();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(mapping.stateTransitionReason())
                    .as("nothing waits on the destination any more").isEqualTo("User action"));
        } finally {
            Streams.stopQuietly(mapping);
        }
    }
}
