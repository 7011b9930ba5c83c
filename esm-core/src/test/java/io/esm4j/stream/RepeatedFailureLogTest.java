package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.internal.handler.Invoker;
import io.esm4j.logging.LogCapture;
import io.esm4j.idempotency.AcquireResult;
import io.esm4j.idempotency.Idempotency;
import io.esm4j.idempotency.IdempotencyStoreException;
import io.esm4j.idempotency.InMemoryIdempotencyStore;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import io.esm4j.testing.ForwardingIdempotencyStore;
import io.esm4j.testing.ForwardingLeaseStore;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * A batch the handler keeps failing is retried for as long as it takes (for hours with the defaults): the log says so
 * once with the stack trace, then at DEBUG (with a WARN summary at most every few minutes), and once more when it
 * succeeds again; not a WARN and a stack trace per retry.
 */
class RepeatedFailureLogTest {

    @Test
    void aBatchFailingManyTimesLogsOneWarningAndOneRecovery() throws Exception {
        InMemoryStream stream = InMemoryStream.create("poison-log", 1);
        String shardId = stream.openShardIds().getFirst();
        Streams.fill(stream, 1, 1);
        int failures = 30;
        AtomicInteger calls = new AtomicInteger();
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            if (calls.incrementAndGet() <= failures) {
                throw new IllegalStateException("secret payload r0");
            }
            return BatchResult.success();
        });
        RecordingLeaseStore store = new RecordingLeaseStore();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("poison-log", stream, handler)
                .settings(Streams.fast().build()).leaseStore(store).build();
        String last = stream.records(shardId).getLast().sequenceNumber();
        try (LogCapture log = new LogCapture(Invoker.class)) {
            mapping.start();
            try {
                await().until(() -> last.equals(store.sequenceNumber("poison-log", shardId)));
            } finally {
                Streams.stopQuietly(mapping);
            }
            assertThat(log.lines("WARN", "handler failed the batch")).hasSize(1)
                    .allSatisfy(line -> assertThat(line).contains("mapping=poison-log", "partition=" + shardId,
                            "failuresInARow=1"));
            assertThat(log.lines("DEBUG", "handler failed the batch")).hasSize(failures - 1)
                    .allSatisfy(line -> assertThat(line).contains("error=java.lang.IllegalStateException")
                            .doesNotContain("secret payload"));
            assertThat(log.lines().stream().filter(line -> line.contains("secret payload"))).hasSize(1);
            assertThat(log.lines("INFO", "handler succeeded again")).hasSize(1)
                    .allSatisfy(line -> assertThat(line).contains("failuresInARow=" + failures));
        }
    }

    /**
     * A shard that cannot be read (the service throttles every call, or is unreachable) logs the first failed read
     * (throttling without a stack trace: it is expected, and its message says what it is), then only at DEBUG, and
     * one line when reading works again.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aShardFailingToReadManyTimesLogsOneWarningAndOneRecovery(boolean throttled) throws Exception {
        String name = "read-log-" + throttled;
        InMemoryStream stream = InMemoryStream.create(name, 1);
        FaultyStream source = new FaultyStream(stream);
        String shardId = stream.openShardIds().getFirst();
        Streams.fill(stream, 1, 1);
        int failures = 30;
        AtomicInteger fetches = new AtomicInteger();
        source.fetch = shard -> {
            if (fetches.incrementAndGet() <= failures) {
                throw throttled
                        ? new ShardThrottledException("GetRecords", 5, new IllegalStateException("Rate exceeded"))
                        : new IOException("Connection refused");
            }
        };
        RecordingHandler<byte[]> handler = RecordingHandler.succeeding();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(name, source, handler)
                .settings(Streams.fast().build()).build();
        try (LogCapture log = new LogCapture(Class.forName("io.esm4j.internal.stream.ShardSession"))) {
            mapping.start();
            try {
                await().until(() -> handler.succeeded().size() == 1);
            } finally {
                Streams.stopQuietly(mapping);
            }
            assertThat(log.lines("WARN", "reading the shard failed")).hasSize(1)
                    .allSatisfy(line -> assertThat(line).contains("mapping=" + name, "shardId=" + shardId,
                            "failuresInARow=1"));
            assertThat(log.lines("DEBUG", "reading the shard failed")).hasSize(failures - 1);
            // A stack trace's "at ..." lines: once for an unreachable source, never for throttling.
            if (throttled) {
                assertThat(log.lines().stream().filter(line -> line.startsWith("\tat "))).isEmpty();
            } else {
                assertThat(log.lines().stream()
                        .filter(line -> line.contains("java.io.IOException: Connection refused")))
                        .hasSize(1);
            }
            assertThat(log.lines("INFO", "reading the shard works again")).hasSize(1)
                    .allSatisfy(line -> assertThat(line).contains("failuresInARow=" + failures));
        }
    }

    /**
     * A lease store that is down for a while fails the lease listings and the checkpoint writes, each retried with
     * backoff: each logs its first failure, then only at DEBUG, and one line when the store answers again.
     */
    @Test
    void anUnreachableLeaseStoreLogsOneWarningPerKindOfCallAndOneRecovery() throws Exception {
        String name = "store-log";
        InMemoryStream stream = InMemoryStream.create(name, 1);
        String shardId = stream.openShardIds().getFirst();
        Streams.fill(stream, 1, 1);
        int failures = 30;
        AtomicInteger lists = new AtomicInteger();
        AtomicInteger checkpoints = new AtomicInteger();
        InMemoryLeaseStore inner = new InMemoryLeaseStore();
        ForwardingLeaseStore store = new ForwardingLeaseStore(inner) {
            @Override
            public List<Lease> list(String mapping) throws Exception {
                if (lists.incrementAndGet() <= failures) {
                    throw new IOException("store unreachable");
                }
                return super.list(mapping);
            }

            @Override
            public LeaseWrite checkpoint(Lease held, Checkpoint checkpoint) throws Exception {
                if (checkpoints.incrementAndGet() <= failures) {
                    throw new IOException("store unreachable");
                }
                return super.checkpoint(held, checkpoint);
            }
        };
        RecordingHandler<byte[]> handler = RecordingHandler.succeeding();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(name, stream, handler)
                .settings(Streams.fast().build()).leaseStore(store).build();
        String last = stream.records(shardId).getLast().sequenceNumber();
        try (LogCapture log = new LogCapture(Class.forName("io.esm4j.internal.stream.LeaseCoordinator"),
                Class.forName("io.esm4j.internal.stream.ShardCommitter"))) {
            mapping.start();
            try {
                await().until(() -> inner.list(name).stream().anyMatch(lease -> lease.checkpoint()
                        instanceof Checkpoint.AtSequenceNumber at && at.sequenceNumber().equals(last)));
            } finally {
                Streams.stopQuietly(mapping);
            }
            assertThat(log.lines("WARN", "listing shards or leases failed")).hasSize(1)
                    .allSatisfy(line -> assertThat(line).contains("mapping=" + name, "failuresInARow=1"));
            assertThat(log.lines("DEBUG", "listing shards or leases failed")).hasSize(failures - 1);
            assertThat(log.lines("INFO", "listing shards and leases works again")).hasSize(1);
            assertThat(log.lines("WARN", "checkpoint write failed")).hasSize(1)
                    .allSatisfy(line -> assertThat(line).contains("mapping=" + name, "shardId=" + shardId));
            assertThat(log.lines("DEBUG", "checkpoint write failed")).hasSize(failures - 1);
            assertThat(log.lines("INFO", "checkpoint write works again")).hasSize(1);
        }
    }

    /** Lease renewals that keep failing (the store down): the first failure per shard, then DEBUG, then one line. */
    @Test
    void renewalsFailingManyTimesLogOneWarningAndOneRecovery() throws Exception {
        String name = "renewal-log";
        InMemoryStream stream = InMemoryStream.create(name, 1);
        String shardId = stream.openShardIds().getFirst();
        int failures = 10;
        AtomicInteger renewals = new AtomicInteger();
        ForwardingLeaseStore store = new ForwardingLeaseStore(new InMemoryLeaseStore()) {
            @Override
            public LeaseWrite renew(Lease held) throws Exception {
                if (renewals.incrementAndGet() <= failures) {
                    throw new IOException("store unreachable");
                }
                return super.renew(held);
            }
        };
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(name, stream,
                        RecordingHandler.<byte[]>succeeding())
                .settings(Streams.fast().failoverTime(Duration.ofMillis(300)).build()).leaseStore(store).build();
        try (LogCapture log = new LogCapture(Class.forName("io.esm4j.internal.stream.LeaseRenewer"))) {
            mapping.start();
            try {
                await().until(() -> renewals.get() > failures + 1);
            } finally {
                Streams.stopQuietly(mapping);
            }
            assertThat(log.lines("WARN", "lease renewal failed")).hasSize(1)
                    .allSatisfy(line -> assertThat(line).contains("mapping=" + name, "shardId=" + shardId));
            assertThat(log.lines("DEBUG", "lease renewal failed")).hasSize(failures - 1);
            assertThat(log.lines("INFO", "lease renewal answered again")).hasSize(1);
        }
    }

    /**
     * A failure outside the handler (here building the failure record of a record given up) restarts the shard's
     * session, again and again while it lasts: the first restart is a WARN, the next ones DEBUG, and one line says
     * when the shard works again.
     */
    @Test
    void restartsManyTimesLogOneWarningAndOneRecovery() throws Exception {
        String name = "restart-log";
        InMemoryStream stream = InMemoryStream.create(name, 1);
        FaultyStream source = new FaultyStream(stream);
        String shardId = stream.openShardIds().getFirst();
        Streams.fill(stream, 1, 1);
        int failures = 10;
        AtomicInteger infos = new AtomicInteger();
        source.batchInfo = records -> {
            if (infos.incrementAndGet() <= failures) {
                throw new IllegalStateException("bug while building a failure record");
            }
        };
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            throw new IllegalStateException("function error");
        });
        CollectingDestination destination = new CollectingDestination();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(name, source, handler)
                .settings(Streams.fast().maximumRetryAttempts(0).build()).onFailure(destination).build();
        try (LogCapture log = new LogCapture(Class.forName("io.esm4j.internal.stream.ShardWorker"))) {
            mapping.start();
            try {
                await().until(() -> destination.received().size() == 1);
                // The record is done: the next read finds the shard idle and healthy.
                await().until(() -> !log.lines("INFO", "works again after restarts").isEmpty());
            } finally {
                Streams.stopQuietly(mapping);
            }
            assertThat(log.lines("WARN", "shard worker failed outside the handler")).hasSize(1)
                    .allSatisfy(line -> assertThat(line).contains("mapping=" + name, "shardId=" + shardId));
            assertThat(log.lines("DEBUG", "shard worker failed outside the handler")).hasSize(failures - 1);
            assertThat(log.lines("INFO", "works again after restarts")).hasSize(1)
                    .allSatisfy(line -> assertThat(line).contains("failuresInARow=" + failures));
        }
    }

    /**
     * An idempotency store that is down fails every batch before the handler runs, retried for as long as it is
     * down: one WARN naming the mapping and shard, then DEBUG, and one line when the batch goes through.
     */
    @Test
    void anUnreachableIdempotencyStoreLogsOneWarningAndOneRecovery() throws Exception {
        String name = "idempotency-log";
        InMemoryStream stream = InMemoryStream.create(name, 1);
        String shardId = stream.openShardIds().getFirst();
        Streams.fill(stream, 1, 1);
        int failures = 30;
        AtomicInteger acquires = new AtomicInteger();
        ForwardingIdempotencyStore store = new ForwardingIdempotencyStore(
                new InMemoryIdempotencyStore(100, Clock.systemUTC())) {
            @Override
            public AcquireResult acquire(String key, String payloadHash, String owner, Instant inProgressExpiry) {
                if (acquires.incrementAndGet() <= failures) {
                    throw new IdempotencyStoreException("store unreachable", new IOException("Connection refused"));
                }
                return super.acquire(key, payloadHash, owner, inProgressExpiry);
            }
        };
        RecordingHandler<byte[]> handler = RecordingHandler.succeeding();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(name, stream, handler)
                .settings(Streams.fast().build()).idempotency(Idempotency.of(store)).build();
        try (LogCapture log = new LogCapture(Invoker.class,
                Class.forName("io.esm4j.internal.handler.Deduplicated"))) {
            mapping.start();
            try {
                await().until(() -> handler.succeeded().size() == 1);
            } finally {
                Streams.stopQuietly(mapping);
            }
            assertThat(log.lines("WARN", "idempotency store failed")).hasSize(1)
                    .allSatisfy(line -> assertThat(line).contains("mapping=" + name, "partition=" + shardId));
            assertThat(log.lines("INFO", "handler succeeded again")).hasSize(1);
        }
    }

    /** An on-failure destination that refuses for long: the shard waits, and the log says so once, then at DEBUG. */
    @Test
    void aDestinationRefusingManyTimesLogsOneWarningAndOneRecovery() throws Exception {
        String name = "destination-log";
        InMemoryStream stream = InMemoryStream.create(name, 1);
        String shardId = stream.openShardIds().getFirst();
        Streams.fill(stream, 1, 1);
        int refusals = 30;
        CollectingDestination destination = new CollectingDestination().refuseFirst(refusals);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            throw new IllegalStateException("function error");
        });
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(name, stream, handler)
                .settings(Streams.fast().maximumRetryAttempts(0).build()).onFailure(destination).build();
        try (LogCapture log = new LogCapture(Class.forName("io.esm4j.internal.stream.GiveUp"))) {
            mapping.start();
            try {
                await().until(() -> destination.received().size() == 1);
            } finally {
                Streams.stopQuietly(mapping);
            }
            assertThat(log.lines("WARN", "destination refused")).hasSize(1)
                    .allSatisfy(line -> assertThat(line).contains("mapping=" + name, "shardId=" + shardId));
            assertThat(log.lines("DEBUG", "destination refused")).hasSize(refusals - 1);
            assertThat(log.lines("INFO", "took a failure record again")).hasSize(1);
        }
    }
}
