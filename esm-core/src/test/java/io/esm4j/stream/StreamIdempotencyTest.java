package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.idempotency.Idempotency;
import io.esm4j.idempotency.InMemoryIdempotencyStore;
import io.esm4j.lease.Checkpoint;
import io.esm4j.stream.RecordingLeaseStore;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Deduplication on a stream: a redelivered range reaches the handler only with the records not yet completed. */
class StreamIdempotencyTest {

    private final InMemoryIdempotencyStore idempotencyStore = new InMemoryIdempotencyStore(10_000, Clock.systemUTC());

    @Test
    void aRestartBeforeTheCheckpointDoesNotHandTheCompletedRecordsToTheHandlerAgain() throws Exception {
        InMemoryStream stream = InMemoryStream.create("dedup", 1);
        Streams.fill(stream, 30, 3);
        RecordingLeaseStore checkpoints = new RecordingLeaseStore();
        AtomicBoolean storeDown = new AtomicBoolean(true);
        RecordingLeaseStore flaky = checkpoints.onSave((mapping, shardId, checkpoint) -> {
            if (storeDown.get()) {
                throw new IllegalStateException("checkpoint store unavailable");
            }
        });
        RecordingHandler<byte[]> first = RecordingHandler.<byte[]>succeeding();
        EventSourceMapping<byte[]> run1 = EventSourceMapping.builder("dedup", stream, first)
                .settings(Streams.fast().batchSize(10).build()).leaseStore(flaky)
                .idempotency(Idempotency.of(idempotencyStore)).build();
        run1.start();
        try {
            await().until(() -> first.succeeded().size() == 30);
        } finally {
            Streams.stopQuietly(run1);
        }
        assertThat(checkpoints.saves()).isEmpty();

        storeDown.set(false);
        RecordingHandler<byte[]> second = RecordingHandler.<byte[]>succeeding();
        EventSourceMapping<byte[]> run2 = EventSourceMapping.builder("dedup", stream, second)
                .settings(Streams.fast().batchSize(10).build()).leaseStore(flaky)
                .idempotency(Idempotency.of(idempotencyStore)).build();
        String shard = stream.openShardIds().getFirst();
        String last = stream.records(shard).getLast().sequenceNumber();
        run2.start();
        try {
            await().until(() -> checkpoints.load("dedup", shard)
                    .equals(Optional.of(new Checkpoint.AtSequenceNumber(last))));
        } finally {
            Streams.stopQuietly(run2);
        }
        assertThat(second.succeeded()).isEmpty();
        assertThat(second.invocationCount()).isZero();
    }

    @Test
    void aRetryAfterAPartialFailureBringsOnlyTheFailedRecord() throws Exception {
        InMemoryStream stream = InMemoryStream.create("partial", 1);
        Streams.fill(stream, 10, 10);
        AtomicBoolean failedOnce = new AtomicBoolean();
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            if (!failedOnce.getAndSet(true)) {
                return BatchResult.failures(batch.records().get(5).sequenceNumber());
            }
            return BatchResult.success();
        });
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("partial", stream, handler)
                .settings(Streams.fast().batchSize(10).reportBatchItemFailures(true).build())
                .idempotency(Idempotency.of(idempotencyStore)).build();
        mapping.start();
        try {
            await().until(() -> handler.invocationCount() == 2);
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(handler.invocations().get(0).size()).isEqualTo(10);
        assertThat(handler.invocations().get(1).records()).extracting(Streams::text).containsExactly("r5");
    }
}
