package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.EventSourceMapping;
import io.esm4j.failure.BatchInfo;
import io.esm4j.handler.BatchResult;
import io.esm4j.idempotency.AcquireResult;
import io.esm4j.idempotency.Idempotency;
import io.esm4j.idempotency.IdempotencyStore;
import io.esm4j.idempotency.InMemoryIdempotencyStore;
import io.esm4j.testing.ForwardingIdempotencyStore;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a source decides, not the engine: records without a partition key, the natural id the idempotency store
 * keys on, the item identifiers of ReportBatchItemFailures (structured, as Kafka's), and the failure record's
 * batch info (as Kafka's KafkaBatchInfo).
 */
class SourceSpiTest {

    /** A Kafka-like source over an in-memory stream: keys "none" become null, ids and batch info are its own. */
    private static final class KafkaLike implements StreamSource<byte[]> {
        final InMemoryStream stream;

        KafkaLike(InMemoryStream stream) {
            this.stream = stream;
        }

        @Override
        public String streamArn() {
            return "kafka://orders";
        }

        @Override
        public List<Shard> listShards() {
            return stream.listShards();
        }

        @Override
        public ShardReader<byte[]> openReader(String shardId, ReadStart start) {
            ShardReader<byte[]> reader = stream.openReader(shardId, start);
            return maxRecords -> {
                FetchResult<byte[]> fetched = reader.fetch(maxRecords);
                List<StreamRecord<byte[]>> records = new ArrayList<>();
                for (StreamRecord<byte[]> r : fetched.records()) {
                    records.add(new StreamRecord<>(r.shardId(), r.sequenceNumber(),
                            r.partitionKey().equals("none") ? null : r.partitionKey(),
                            r.approximateArrivalTimestamp(), r.sizeBytes(), r.payload()));
                }
                return new FetchResult<>(records, fetched.millisBehindLatest(), fetched.shardEnded());
            };
        }

        @Override
        public String naturalId(StreamRecord<byte[]> record) {
            return "orders-0-" + Long.parseLong(record.sequenceNumber());
        }

        @Override
        public Object itemIdentifier(StreamRecord<byte[]> record) {
            return Map.of("partition", "orders-0", "offset", Long.parseLong(record.sequenceNumber()));
        }

        @Override
        public BatchInfo batchInfo(String shardId, List<StreamRecord<byte[]>> records) {
            return new BatchInfo() {
                @Override
                public String jsonKey() {
                    return "KafkaBatchInfo";
                }

                @Override
                public Map<String, Object> jsonFields() {
                    Map<String, Object> fields = new LinkedHashMap<>();
                    fields.put("batchSize", records.size());
                    fields.put("recordsInfo", Map.of("orders-0", Map.of(
                            "firstRecordOffset", records.getFirst().sequenceNumber(),
                            "lastRecordOffset", records.getLast().sequenceNumber())));
                    return fields;
                }
            };
        }
    }

    @Test
    void recordsWithoutAKeyShareOneLaneInShardOrderWhileKeyedOnesGoParallel() throws Exception {
        InMemoryStream stream = InMemoryStream.create("orders", 1);
        for (int i = 0; i < 200; i++) {
            stream.put(i % 2 == 0 ? "none" : "k" + i % 20, "r" + i);
        }
        List<String> unkeyed = Collections.synchronizedList(new ArrayList<>());
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            batch.records().stream().filter(r -> r.partitionKey() == null)
                    .forEach(r -> unkeyed.add(Streams.text(r)));
            return BatchResult.success();
        });
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("orders", new KafkaLike(stream), handler)
                .settings(Streams.fast().batchSize(7).parallelizationFactor(10).build()).build();
        mapping.start();
        try {
            await().until(() -> handler.succeeded().size() == 200);
        } finally {
            Streams.stopQuietly(mapping);
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 200; i += 2) {
            expected.add("r" + i);
        }
        assertThat(unkeyed).containsExactlyElementsOf(expected);
    }

    @Test
    void structuredItemIdentifiersNameTheFailedRecordAndTheSourcesBatchInfoShapesTheFailureRecord()
            throws Exception {
        InMemoryStream stream = InMemoryStream.create("orders", 1);
        for (int i = 0; i < 10; i++) {
            stream.put("k", "r" + i);
        }
        CollectingDestination destination = new CollectingDestination();
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            StreamRecord<byte[]> r4 = batch.records().stream().filter(r -> Streams.text(r).equals("r4"))
                    .findFirst().orElse(null);
            return r4 == null ? BatchResult.success()
                    : BatchResult.failures(Map.of("partition", "orders-0", "offset",
                            Long.parseLong(r4.sequenceNumber())));
        });
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("orders", new KafkaLike(stream), handler)
                .settings(Streams.fast().reportBatchItemFailures(true).maximumRetryAttempts(1).build())
                .onFailure(destination).build();
        mapping.start();
        try {
            await().until(() -> destination.received().size() == 1);
        } finally {
            Streams.stopQuietly(mapping);
        }
        // Records before r4 succeeded; from r4 on the batch was retried, then given up (streams resume there).
        assertThat(handler.invocations()).extracting(b -> b.records().stream().map(Streams::text).toList())
                .containsExactly(List.of("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"),
                        List.of("r4", "r5", "r6", "r7", "r8", "r9"));
        JsonNode record = new ObjectMapper().readTree(destination.received().getFirst().toJson());
        assertThat(record.has("KafkaBatchInfo")).isTrue();
        assertThat(record.at("/KafkaBatchInfo/batchSize").asInt()).isEqualTo(6);
        assertThat(record.at("/KafkaBatchInfo/recordsInfo/orders-0/firstRecordOffset").asText())
                .isEqualTo(stream.records(stream.openShardIds().getFirst()).get(4).sequenceNumber());
    }

    @Test
    void theIdempotencyStoreKeysOnTheSourcesNaturalId() throws Exception {
        InMemoryStream stream = InMemoryStream.create("orders", 1);
        for (int i = 0; i < 5; i++) {
            stream.put("k", "r" + i);
        }
        InMemoryIdempotencyStore memory = new InMemoryIdempotencyStore(100, Clock.systemUTC());
        List<String> keys = Collections.synchronizedList(new ArrayList<>());
        IdempotencyStore store = new ForwardingIdempotencyStore(memory) {
            @Override
            public AcquireResult acquire(String key, String payloadHash, String owner, Instant expiry) {
                keys.add(key);
                return super.acquire(key, payloadHash, owner, expiry);
            }
        };
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            return BatchResult.success();
        });
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("orders", new KafkaLike(stream), handler)
                .settings(Streams.fast().build()).idempotency(Idempotency.of(store)).build();
        mapping.start();
        try {
            await().until(() -> handler.succeeded().size() == 5);
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(keys).hasSize(5).allSatisfy(key -> assertThat(key).contains("orders-0-"));
        assertThat(memory.size()).isEqualTo(5);
    }
}
