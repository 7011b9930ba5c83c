package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.MappingState;
import io.esm4j.handler.BatchResult;
import io.esm4j.idempotency.AcquireResult;
import io.esm4j.idempotency.BatchDeduplicator;
import io.esm4j.idempotency.Idempotency;
import io.esm4j.idempotency.IdempotencyKey;
import io.esm4j.idempotency.IdempotencyStore;
import io.esm4j.idempotency.IdempotencySettings;
import io.esm4j.idempotency.InMemoryIdempotencyStore;
import io.esm4j.lease.Checkpoint;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.settings.InvalidSettingException;
import io.esm4j.stream.RecordingLeaseStore;
import io.esm4j.testing.ForwardingIdempotencyStore;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.RecordingHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Deduplication on a stream: a redelivered range reaches the handler only with the records not yet completed; records
 * the handler never got (another consumer holds them, the store failed) are retried without using up retry attempts.
 */
class StreamIdempotencyTest {

    private final InMemoryIdempotencyStore idempotencyStore = new InMemoryIdempotencyStore(10_000, Clock.systemUTC());

    /** A window's state is built from every record of the window: none may be left out as a duplicate. */
    @Test
    void aMappingWithTumblingWindowsRefusesIdempotencyWhenBuilt() {
        InMemoryStream stream = InMemoryStream.create("windows", 1);

        assertThatThrownBy(() -> EventSourceMapping.builder("windows", stream, RecordingHandler.<byte[]>succeeding())
                .settings(Streams.fast().tumblingWindowInSeconds(60).build())
                .idempotency(Idempotency.of(idempotencyStore)).build())
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("Invalid value for idempotency: set. Expected no idempotency when TumblingWindowInSeconds "
                        + "is set (window state needs every record).");
    }

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

    /** An in-memory store on a test clock that counts claims and can be made to fail them. */
    private static final class CountingStore implements IdempotencyStore {
        final InMemoryIdempotencyStore store;
        final AtomicInteger acquires = new AtomicInteger();
        final AtomicBoolean down = new AtomicBoolean();

        CountingStore(Clock clock) {
            this.store = new InMemoryIdempotencyStore(10_000, clock);
        }

        @Override
        public AcquireResult acquire(String key, String payloadHash, String owner, Instant inProgressExpiry) {
            acquires.incrementAndGet();
            if (down.get()) {
                throw new IllegalStateException("idempotency store unavailable");
            }
            return store.acquire(key, payloadHash, owner, inProgressExpiry);
        }

        @Override
        public void complete(String key, String payloadHash, Instant ttlExpiry) {
            store.complete(key, payloadHash, ttlExpiry);
        }

        @Override
        public boolean release(String key, String owner) {
            return store.release(key, owner);
        }
    }

    @Test
    void aRecordAnotherConsumerHoldsIsRetriedUntilTheClaimLapsesWithoutUsingUpRetryAttempts() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        InMemoryStream stream = InMemoryStream.create("held", 1, clock);
        StreamRecord<byte[]> record = stream.put("k", "r0");
        CountingStore counting = new CountingStore(clock);
        // Another worker of the mapping died while processing it, holding a claim for 15 minutes (an
        // InProgressExpiry); keys are in the mapping's namespace, its name.
        counting.store.acquire("held:" + stream.naturalId(record), null, "crashed-worker", clock.instant().plusSeconds(900));
        CollectingDestination destination = new CollectingDestination();
        RecordingLeaseStore checkpoints = new RecordingLeaseStore();
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("held", stream, handler)
                .settings(Streams.fast().maximumRetryAttempts(1).build()).leaseStore(checkpoints)
                .onFailure(destination).idempotency(Idempotency.of(counting)).clock(clock).build();
        mapping.start();
        try {
            await().until(() -> counting.acquires.get() >= 5 || !destination.received().isEmpty());
            assertThat(destination.received()).isEmpty();
            assertThat(handler.invocationCount()).isZero();

            clock.advance(Duration.ofSeconds(900));
            await().until(() -> checkpoints.load("held", record.shardId())
                    .equals(Optional.of(new Checkpoint.AtSequenceNumber(record.sequenceNumber()))));
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(destination.received()).isEmpty();
        assertThat(handler.invocations()).singleElement()
                .satisfies(batch -> assertThat(batch.approximateInvokeCount()).isEqualTo(1));
    }

    /**
     * A record another consumer holds stops its shard there: the later records of its key must not reach the handler
     * before it, so they wait with it, neither using up retry attempts nor being bisected.
     */
    @Test
    void recordsAfterOneHeldElsewhereWaitForItSoTheKeyStaysInOrder() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        InMemoryStream stream = InMemoryStream.create("order", 1, clock);
        List<StreamRecord<byte[]>> records = IntStream.range(0, 10).mapToObj(i -> stream.put("k", "r" + i)).toList();
        CountingStore counting = new CountingStore(clock);
        counting.store.acquire("order:" + stream.naturalId(records.get(3)), null, "other-consumer",
                clock.instant().plusSeconds(900));
        CollectingDestination destination = new CollectingDestination();
        RecordingLeaseStore checkpoints = new RecordingLeaseStore();
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("order", stream, handler)
                .settings(Streams.fast().batchSize(10).parallelizationFactor(1).maximumRetryAttempts(0)
                        .bisectBatchOnFunctionError(true).build())
                .leaseStore(checkpoints).onFailure(destination).idempotency(Idempotency.of(counting)).clock(clock)
                .build();
        mapping.start();
        try {
            // Several rounds in which r3 was still held.
            await().until(() -> counting.acquires.get() >= 40);
            assertThat(handedOver(handler)).containsExactly("r0", "r1", "r2");

            clock.advance(Duration.ofSeconds(900));
            await().until(() -> checkpoints.load("order", records.getFirst().shardId())
                    .equals(Optional.of(new Checkpoint.AtSequenceNumber(records.getLast().sequenceNumber()))));
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(destination.received()).isEmpty();
        assertThat(handedOver(handler)).containsExactly("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9");
        // The rounds without r3 did not count as invocations of the records after it.
        assertThat(handler.invocations()).last()
                .satisfies(batch -> assertThat(batch.approximateInvokeCount()).isEqualTo(1));
    }

    /**
     * With PayloadValidation, a record whose key another consumer holds with a different payload fails validation (as
     * Powertools validates a stored record whatever its status), not a wait: a record's own problem, so its batch
     * fails and bisection isolates it; it goes to the failure destination alone and the other records are processed.
     */
    @Test
    void aRecordInProgressElsewhereWithAnotherPayloadIsBisectedToTheDestinationAlone() throws Exception {
        InMemoryStream stream = InMemoryStream.create("changed", 1, Clock.systemUTC());
        List<StreamRecord<byte[]>> records = IntStream.range(0, 4).mapToObj(i -> stream.put("k", "r" + i)).toList();
        StreamRecord<byte[]> changed = records.get(2);
        idempotencyStore.acquire("changed:" + stream.naturalId(changed), sha256Hex("r2 as the other consumer has it"),
                "other-consumer", Instant.now().plusSeconds(900));
        CollectingDestination destination = new CollectingDestination();
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("changed", stream, handler)
                .settings(Streams.fast().batchSize(4).parallelizationFactor(1).maximumRetryAttempts(0)
                        .bisectBatchOnFunctionError(true).build())
                .onFailure(destination)
                .idempotency(Idempotency.<StreamRecord<byte[]>>of(idempotencyStore).withPayload(StreamRecord::payload)
                        .withSettings(IdempotencySettings.builder().payloadValidation(true).build()))
                .build();
        mapping.start();
        try {
            await().until(() -> !destination.received().isEmpty() && handler.succeeded().size() == 3);
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(destination.received()).singleElement()
                .satisfies(failure -> assertThat(new ArrayList<Object>(failure.records())).containsExactly(changed));
        assertThat(handedOver(handler)).containsExactlyInAnyOrder("r0", "r1", "r3");
    }

    private static String sha256Hex(String payload) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(payload.getBytes(StandardCharsets.UTF_8)));
    }

    /** Every record the handler got, in the order it got them. */
    private static List<String> handedOver(RecordingHandler<byte[]> handler) {
        return handler.invocations().stream().flatMap(batch -> batch.records().stream()).map(Streams::text).toList();
    }

    @Test
    void anIdempotencyStoreThatFailsNeitherUsesUpRetryAttemptsNorBisects() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        InMemoryStream stream = InMemoryStream.create("store-down", 1, clock);
        Streams.fill(stream, 3, 3);
        CountingStore counting = new CountingStore(clock);
        counting.down.set(true);
        CollectingDestination destination = new CollectingDestination();
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("store-down", stream, handler)
                .settings(Streams.fast().maximumRetryAttempts(0).bisectBatchOnFunctionError(true).build())
                .onFailure(destination).idempotency(Idempotency.of(counting)).clock(clock).build();
        mapping.start();
        try {
            await().until(() -> counting.acquires.get() >= 5 || !destination.received().isEmpty());
            assertThat(destination.received()).isEmpty();
            assertThat(handler.invocationCount()).isZero();
            // The shard waits for the store: the status says so, not "No records processed" or an old "OK".
            assertThat(mapping.lastProcessingResult()).isEqualTo("PROBLEM: Idempotency store failed");

            counting.down.set(false);
            await().until(() -> handler.succeeded().size() == 3);
            await().until(() -> mapping.lastProcessingResult().equals("OK"));
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(destination.received()).isEmpty();
        // Not bisected: the three records reach the handler in one invocation, its first.
        assertThat(handler.invocations()).singleElement().satisfies(batch -> {
            assertThat(batch.size()).isEqualTo(3);
            assertThat(batch.approximateInvokeCount()).isEqualTo(1);
        });
    }

    /**
     * The stream retries every record from the lowest failed one on, so the records after it are released, not
     * completed: the handler may not have processed them, and completed they would be skipped as duplicates.
     */
    @Test
    void aRetryAfterAPartialFailureBringsEveryRecordFromTheFailedOneOn() throws Exception {
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
        assertThat(handler.invocations().get(1).records()).extracting(Streams::text)
                .containsExactly("r5", "r6", "r7", "r8", "r9");
    }

    /** A handler written as AWS's Java example for streams: it stops at the first record it fails and reports it. */
    @Test
    void recordsAfterTheFirstReportedFailureAreHandedToTheHandlerAgain() throws Exception {
        InMemoryStream stream = InMemoryStream.create("stops", 1);
        Streams.fill(stream, 10, 10);
        Set<String> handled = ConcurrentHashMap.newKeySet();
        AtomicBoolean failedOnce = new AtomicBoolean();
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            for (StreamRecord<byte[]> record : batch.records()) {
                if (Streams.text(record).equals("r5") && !failedOnce.getAndSet(true)) {
                    return BatchResult.failures(record.sequenceNumber());
                }
                handled.add(Streams.text(record));
            }
            return BatchResult.success();
        });
        RecordingLeaseStore checkpoints = new RecordingLeaseStore();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("stops", stream, handler)
                .settings(Streams.fast().batchSize(10).reportBatchItemFailures(true).build())
                .leaseStore(checkpoints).idempotency(Idempotency.of(idempotencyStore)).build();
        String shard = stream.openShardIds().getFirst();
        String last = stream.records(shard).getLast().sequenceNumber();
        mapping.start();
        try {
            await().until(() -> checkpoints.load("stops", shard)
                    .equals(Optional.of(new Checkpoint.AtSequenceNumber(last))));
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(handled).containsExactlyInAnyOrder("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9");
    }

    /**
     * InvokedEventCount, BatchSize and FailedInvokeEventCount count what the handler got: a deduplicated record is
     * counted in DeduplicatedEventCount only, and a batch of nothing but duplicates is no invocation at all. A
     * duplicate counts once, when it is skipped for good, not again when its batch fails and is retried.
     */
    @Test
    void invocationMetricsCountOnlyTheRecordsHandedToTheHandler() throws Exception {
        InMemoryStream stream = InMemoryStream.create("counted", 1);
        // Keyed on the payload, so that a producer's resend of an event already processed is a duplicate.
        idempotencyStore.complete("counted:r0", null, Instant.now().plus(Duration.ofHours(1)));
        idempotencyStore.complete("counted:r2", null, Instant.now().plus(Duration.ofHours(1)));
        for (String data : List.of("r0", "r1", "r2", "r3")) {
            stream.put("k", data);
        }
        AtomicBoolean failedOnce = new AtomicBoolean();
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            if (!failedOnce.getAndSet(true)) {
                throw new IllegalStateException("fails once");
            }
            return BatchResult.success();
        });
        RetainingMeterRegistry registry = new RetainingMeterRegistry();
        RecordingLeaseStore checkpoints = new RecordingLeaseStore();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("counted", stream, handler)
                .settings(Streams.fast().batchSize(10).build()).leaseStore(checkpoints).meterRegistry(registry)
                .idempotency(Idempotency.<StreamRecord<byte[]>>of(idempotencyStore)
                        .withKey(IdempotencyKey.from(Streams::text)))
                .build();
        String shard = stream.openShardIds().getFirst();
        mapping.start();
        try {
            String fourth = stream.records(shard).getLast().sequenceNumber();
            await().until(() -> checkpoints.load("counted", shard)
                    .equals(Optional.of(new Checkpoint.AtSequenceNumber(fourth))));
            // Resent events that were all processed: nothing reaches the handler.
            stream.put("k", "r1");
            stream.put("k", "r2");
            String sixth = stream.records(shard).getLast().sequenceNumber();
            await().until(() -> checkpoints.load("counted", shard)
                    .equals(Optional.of(new Checkpoint.AtSequenceNumber(sixth))));
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(handler.invocations()).hasSize(2).allSatisfy(batch ->
                assertThat(batch.records()).extracting(Streams::text).containsExactly("r1", "r3"));
        assertThat(count(registry, BatchDeduplicator.DEDUPLICATED_EVENT_COUNT)).isEqualTo(2 + 2);
        assertThat(count(registry, MetricNames.INVOKED_EVENT_COUNT)).isEqualTo(2 + 2);
        assertThat(count(registry, MetricNames.FAILED_INVOKE_EVENT_COUNT)).isEqualTo(2);
        assertThat(registry.get(MetricNames.BATCH_SIZE).tag(MetricNames.MAPPING_TAG, "counted").summary().count())
                .isEqualTo(2);
        assertThat(registry.get(MetricNames.BATCH_SIZE).tag(MetricNames.MAPPING_TAG, "counted").summary()
                .totalAmount()).isEqualTo(4);
        assertThat(registry.get(MetricNames.HANDLER_DURATION).tag(MetricNames.MAPPING_TAG, "counted").timer()
                .count()).isEqualTo(2);
    }

    /**
     * After a partial failure, FailedInvokeEventCount counts the records from the lowest failed one on that the
     * handler got.
     */
    @Test
    void aPartialFailureCountsOnlyTheFailedRecordsTheHandlerGot() throws Exception {
        InMemoryStream stream = InMemoryStream.create("counted", 1);
        idempotencyStore.complete("counted:r0", null, Instant.now().plus(Duration.ofHours(1)));
        idempotencyStore.complete("counted:r2", null, Instant.now().plus(Duration.ofHours(1)));
        for (String data : List.of("r0", "r1", "r2", "r3")) {
            stream.put("k", data);
        }
        AtomicBoolean failedOnce = new AtomicBoolean();
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch ->
                failedOnce.getAndSet(true) ? BatchResult.success()
                        : BatchResult.failures(batch.records().getFirst().sequenceNumber()));
        RetainingMeterRegistry registry = new RetainingMeterRegistry();
        RecordingLeaseStore checkpoints = new RecordingLeaseStore();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("counted", stream, handler)
                .settings(Streams.fast().batchSize(10).reportBatchItemFailures(true).build())
                .leaseStore(checkpoints).meterRegistry(registry)
                .idempotency(Idempotency.<StreamRecord<byte[]>>of(idempotencyStore)
                        .withKey(IdempotencyKey.from(Streams::text)))
                .build();
        String shard = stream.openShardIds().getFirst();
        mapping.start();
        try {
            String last = stream.records(shard).getLast().sequenceNumber();
            await().until(() -> checkpoints.load("counted", shard)
                    .equals(Optional.of(new Checkpoint.AtSequenceNumber(last))));
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(handler.invocations()).extracting(batch -> batch.records().stream().map(Streams::text).toList())
                .containsExactly(List.of("r1", "r3"), List.of("r1", "r3"));
        // r1 failed; r3 comes back with it. r2, a duplicate between them, never reached the handler.
        assertThat(count(registry, MetricNames.FAILED_INVOKE_EVENT_COUNT)).isEqualTo(2);
        assertThat(count(registry, MetricNames.INVOKED_EVENT_COUNT)).isEqualTo(4);
    }

    /**
     * A store that cannot release the claims of a failed batch must not hide how the handler failed: a fatal error
     * still stops the mapping, rather than turning into a batch failure retried for ever.
     */
    @Test
    void aFatalHandlerErrorStopsTheMappingEvenWhenReleasingTheClaimsFails() throws Exception {
        InMemoryStream stream = InMemoryStream.create("fatal", 1);
        stream.put("k", "r0");
        IdempotencyStore cannotRelease = new ForwardingIdempotencyStore(idempotencyStore) {
            @Override
            public boolean release(String key, String owner) {
                throw new IllegalStateException("idempotency store unavailable");
            }
        };
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            throw new NoClassDefFoundError("io/example/Missing");
        });
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("fatal", stream, handler)
                .settings(Streams.fast().build()).leaseStore(new RecordingLeaseStore())
                .idempotency(Idempotency.of(cannotRelease)).build();
        mapping.start();
        try {
            await().until(() -> mapping.state() == MappingState.DISABLED);
            assertThat(mapping.stateTransitionReason()).contains(NoClassDefFoundError.class.getName());
        } finally {
            Streams.stopQuietly(mapping);
        }
    }

    private static double count(RetainingMeterRegistry registry, String name) {
        return registry.get(name).tag(MetricNames.MAPPING_TAG, "counted").counter().count();
    }
}
