package io.esm4j.dynamodbstreams;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.dynamodbstreams.wire.TestTable;
import io.esm4j.failure.BatchInfoStyle;
import io.esm4j.handler.BatchResult;
import io.esm4j.idempotency.AcquireResult;
import io.esm4j.idempotency.Idempotency;
import io.esm4j.idempotency.IdempotencyStore;
import io.esm4j.idempotency.InMemoryIdempotencyStore;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.ForwardingIdempotencyStore;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.RecordingHandler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Retries, bisection, discards with {@code DDBStreamBatchInfo}, ReportBatchItemFailures by SequenceNumber through a
 * Lambda handler, tumbling windows and idempotency by {@code eventID}, all on records read over HTTP.
 */
class FailureTest extends WireFixture {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECONDS = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z";

    @Test
    void bisectAndMaximumRetriesGiveUpThePoisonRecordAloneWithDdbStreamBatchInfo() throws Exception {
        TestTable table = newTable(1);
        List<TestTable.Written> written = writeNumbered(table, 0, 10, 10);
        RecordingHandler<DynamoDbRecord> handler = RecordingHandler.<DynamoDbRecord>failingOn(r -> WireFixture.number(r) == 6);
        CollectingDestination destination = new CollectingDestination();
        InMemoryLeaseStore store = new InMemoryLeaseStore();
        DynamoDbStreamSource source = source(table);
        start(mapping("poison", source, handler).leaseStore(store).onFailure(destination)
                .settings(fast().batchSize(10).bisectBatchOnFunctionError(true).maximumRetryAttempts(1).build()));

        String shardId = written.getFirst().shardId();
        eventually().until(() -> store.checkpoint("poison", shardId).equals(Optional.of(
                new Checkpoint.AtSequenceNumber(written.getLast().sequenceNumber()))));
        assertThat(handler.succeededPayloads(WireFixture::number)).containsExactly(0, 1, 2, 3, 4, 5, 7, 8, 9);
        assertThat(destination.received()).hasSize(1);
        JsonNode json = JSON.readTree(destination.received().getFirst().toJson());
        assertThat(json.fieldNames()).toIterable()
                .containsExactly("requestContext", "responseContext", "version", "timestamp", "DDBStreamBatchInfo");
        assertThat(json.get("requestContext").get("condition").asText()).isEqualTo("RetryAttemptsExhausted");
        DynamoDbRecord poison = handler.invocations().stream().flatMap(b -> b.records().stream())
                .map(StreamRecord::payload).filter(r -> number(r) == 6).findFirst().orElseThrow();
        JsonNode info = json.get("DDBStreamBatchInfo");
        assertThat(info.fieldNames()).toIterable().containsExactly("shardId", "startSequenceNumber",
                "endSequenceNumber", "approximateArrivalOfFirstRecord", "approximateArrivalOfLastRecord",
                "batchSize", "streamArn");
        assertThat(info.get("shardId").asText()).isEqualTo(shardId);
        assertThat(info.get("startSequenceNumber").asText()).isEqualTo(written.get(6).sequenceNumber());
        assertThat(info.get("endSequenceNumber").asText()).isEqualTo(written.get(6).sequenceNumber());
        assertThat(info.get("approximateArrivalOfFirstRecord").asText()).matches(SECONDS)
                .isEqualTo(BatchInfoStyle.DYNAMODB_STREAMS.formatArrival(
                        poison.dynamodb().approximateCreationDateTime()));
        assertThat(info.get("batchSize").asInt()).isEqualTo(1);
        assertThat(info.get("streamArn").asText()).isEqualTo(table.streamArn());
    }

    @Test
    void recordsOlderThanMaximumRecordAgeAreGivenUp() throws Exception {
        TestTable table = newTable(1);
        List<TestTable.Written> written = writeNumbered(table, 0, 5, 5);
        MutableClock clock = new MutableClock(server.clock().instant());
        RecordingHandler<DynamoDbRecord> handler = RecordingHandler.<DynamoDbRecord>succeeding().behave(batch -> {
            throw new IllegalStateException("always failing");
        });
        CollectingDestination destination = new CollectingDestination();
        start(mapping("max-age", source(table), handler).clock(clock).onFailure(destination)
                .settings(fast().batchSize(10).maximumRecordAgeInSeconds(60).build()));

        eventually().until(() -> !handler.invocations().isEmpty());
        clock.advance(Duration.ofMinutes(2));
        eventually().until(() -> destination.received().size() == 1);
        JsonNode json = JSON.readTree(destination.received().getFirst().toJson());
        assertThat(json.get("requestContext").get("condition").asText()).isEqualTo("RecordAgeExceeded");
        JsonNode info = json.get("DDBStreamBatchInfo");
        assertThat(info.get("batchSize").asInt()).isEqualTo(5);
        assertThat(info.get("startSequenceNumber").asText()).isEqualTo(written.getFirst().sequenceNumber());
        assertThat(info.get("endSequenceNumber").asText()).isEqualTo(written.getLast().sequenceNumber());
        assertThat(handler.succeededPayloads(WireFixture::number)).isEmpty();
    }

    @Test
    void withTheDefaultsAFailingRecordIsGivenUpOnceOlderThanTheStreamsDayOfRetention() throws Exception {
        TestTable table = newTable(1);
        List<TestTable.Written> written = writeNumbered(table, 0, 3, 3);
        MutableClock clock = new MutableClock(server.clock().instant());
        RecordingHandler<DynamoDbRecord> handler = RecordingHandler.<DynamoDbRecord>succeeding().behave(batch -> {
            throw new IllegalStateException("always failing");
        });
        CollectingDestination destination = new CollectingDestination();
        DynamoDbStreamSource source = source(table);
        assertThat(source.retention()).contains(Duration.ofHours(24));
        start(mapping("expiry", source, handler).clock(clock).onFailure(destination)
                .settings(fast().batchSize(10).build()));

        eventually().until(() -> handler.invocations().size() >= 2);
        assertThat(destination.received()).isEmpty();
        clock.advance(Duration.ofHours(24).plusMinutes(1));
        eventually().until(() -> destination.received().size() == 1);
        JsonNode json = JSON.readTree(destination.received().getFirst().toJson());
        assertThat(json.fieldNames()).toIterable()
                .containsExactly("requestContext", "version", "timestamp", "DDBStreamBatchInfo");
        assertThat(json.get("requestContext").get("condition").asText()).isEqualTo("RecordAgeExceeded");
        JsonNode info = json.get("DDBStreamBatchInfo");
        assertThat(info.get("batchSize").asInt()).isEqualTo(3);
        assertThat(info.get("startSequenceNumber").asText()).isEqualTo(written.getFirst().sequenceNumber());
        assertThat(info.get("endSequenceNumber").asText()).isEqualTo(written.getLast().sequenceNumber());
        assertThat(handler.succeededPayloads(WireFixture::number)).isEmpty();
    }

    @Test
    void aLambdaHandlerRunsUnchangedAndItsBatchItemFailuresBySequenceNumberAreRetried() {
        TestTable table = newTable(1);
        List<TestTable.Written> written = writeNumbered(table, 0, 10, 10);
        table.put("{\"pk\":{\"S\":\"bin\"},\"sk\":{\"N\":\"0\"},\"n\":{\"N\":\"10\"},\"b\":{\"B\":\"AQID\"}}");
        String last = table.expire(keys("bin")).orElseThrow().sequenceNumber();
        List<DynamodbEvent> events = new ArrayList<>();
        AtomicBoolean failedOnce = new AtomicBoolean();
        InMemoryLeaseStore store = new InMemoryLeaseStore();
        start(mapping("lambda", source(table), DynamoDbLambdaAdapter.of(event -> {
            synchronized (events) {
                events.add(event);
            }
            for (DynamodbEvent.DynamodbStreamRecord record : event.getRecords()) {
                if (record.getDynamodb().getNewImage() != null
                        && record.getDynamodb().getNewImage().get("n").getN().equals("3")
                        && !failedOnce.getAndSet(true)) {
                    return StreamsEventResponse.builder().withBatchItemFailures(List.of(
                            StreamsEventResponse.BatchItemFailure.builder()
                                    .withItemIdentifier(record.getDynamodb().getSequenceNumber()).build())).build();
                }
            }
            return null;
        })).leaseStore(store).settings(fast().batchSize(20).reportBatchItemFailures(true).build()));

        eventually().until(() -> store.checkpoint("lambda", written.getFirst().shardId())
                .equals(Optional.of(new Checkpoint.AtSequenceNumber(last))));
        synchronized (events) {
            assertThat(events).hasSize(2);
            assertThat(events.get(1).getRecords().getFirst().getDynamodb().getSequenceNumber())
                    .isEqualTo(written.get(3).sequenceNumber());
            DynamodbEvent.DynamodbStreamRecord first = events.getFirst().getRecords().getFirst();
            assertThat(first.getEventID()).isEqualTo(written.getFirst().eventId());
            assertThat(first.getEventName()).isEqualTo("INSERT");
            assertThat(first.getEventSource()).isEqualTo("aws:dynamodb");
            assertThat(first.getEventSourceARN()).isEqualTo(table.streamArn());
            assertThat(first.getDynamodb().getKeys().get("pk").getS()).isEqualTo("k0");
            assertThat(first.getDynamodb().getStreamViewType()).isEqualTo("NEW_AND_OLD_IMAGES");
            assertThat(first.getDynamodb().getApproximateCreationDateTime()).isNotNull();
            assertThat(first.getUserIdentity()).isNull();
            List<DynamodbEvent.DynamodbStreamRecord> retried = events.get(1).getRecords();
            DynamodbEvent.DynamodbStreamRecord binary = retried.get(retried.size() - 2);
            assertThat(binary.getDynamodb().getNewImage().get("b").getB().remaining()).isEqualTo(3);
            DynamodbEvent.DynamodbStreamRecord ttl = retried.getLast();
            assertThat(ttl.getEventName()).isEqualTo("REMOVE");
            assertThat(ttl.getUserIdentity().getPrincipalId()).isEqualTo("dynamodb.amazonaws.com");
            assertThat(ttl.getUserIdentity().getType()).isEqualTo("Service");
        }
    }

    @Test
    void tumblingWindowsCarryStateAcrossInvocations() {
        TestTable table = newTable(1);
        List<TestTable.Written> written = writeNumbered(table, 0, 30, 3);
        List<Map<String, String>> states = new ArrayList<>();
        start(mapping("windows", source(table), RecordingHandler.<DynamoDbRecord>succeeding().behave(batch -> {
            Map<String, String> state = batch.window() == null ? Map.of() : batch.window().state();
            int sum = Integer.parseInt(state.getOrDefault("sum", "0"));
            for (StreamRecord<DynamoDbRecord> record : batch.records()) {
                sum += number(record.payload());
            }
            synchronized (states) {
                states.add(Map.of("sum", Integer.toString(sum)));
            }
            return BatchResult.state(Map.of("sum", Integer.toString(sum)));
        })).settings(fast().batchSize(7).tumblingWindowInSeconds(900).build()));

        // The window (900 s) does not end in the test, so its state, not a checkpoint, shows every record counted.
        String total = Integer.toString(29 * 30 / 2);
        eventually().until(() -> {
            synchronized (states) {
                return !states.isEmpty() && states.getLast().get("sum").equals(total);
            }
        });
        synchronized (states) {
            assertThat(states).hasSizeGreaterThanOrEqualTo(5); // batches of at most 7
        }
        assertThat(written).hasSize(30);
    }

    @Test
    void idempotencyKeysAreTheRecordsEventIds() {
        TestTable table = newTable(1);
        List<TestTable.Written> written = writeNumbered(table, 0, 10, 10);
        KeyRecordingStore keys = new KeyRecordingStore(new InMemoryIdempotencyStore(1_000, Clock.systemUTC()));
        RecordingHandler<DynamoDbRecord> handler = RecordingHandler.<DynamoDbRecord>succeeding();
        start(mapping("idempotent", source(table), handler).idempotency(Idempotency.of(keys))
                .settings(fast().build()));

        eventually().until(() -> handler.succeededCount() >= 10);
        assertThat(keys.acquired()).hasSize(10).allSatisfy(key -> assertThat(written.stream()
                .anyMatch(w -> key.endsWith(w.eventId()))).as("key %s ends with an eventID", key).isTrue());
    }

    /** Remembers the keys a mapping acquires. */
    private static final class KeyRecordingStore extends ForwardingIdempotencyStore {
        private final List<String> acquired = new ArrayList<>();

        KeyRecordingStore(IdempotencyStore delegate) {
            super(delegate);
        }

        @Override
        public AcquireResult acquire(String key, @Nullable String payloadHash, String owner,
                                     Instant inProgressExpiry) {
            synchronized (acquired) {
                acquired.add(key);
            }
            return super.acquire(key, payloadHash, owner, inProgressExpiry);
        }

        List<String> acquired() {
            synchronized (acquired) {
                return List.copyOf(acquired);
            }
        }
    }
}
