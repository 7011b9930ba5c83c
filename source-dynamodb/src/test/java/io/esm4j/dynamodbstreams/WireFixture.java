package io.esm4j.dynamodbstreams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.dynamodbstreams.wire.DynamoDbStreamsWireServer;
import io.esm4j.dynamodbstreams.wire.TestTable;
import io.esm4j.handler.BatchHandler;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The base of the tests that run mappings against the wire endpoint: one endpoint and one pair of SDK clients per
 * class, a fresh table per test, mappings stopped after each test, and the writes and order assertions they share.
 */
abstract class WireFixture {

    /** Only a bound for a hung test. */
    static final Duration LIVENESS = Duration.ofSeconds(60);
    private static final AtomicInteger TABLES = new AtomicInteger();

    static DynamoDbStreamsWireServer server;
    static DynamoDbStreamsClient streams;
    static DynamoDbClient dynamodb;
    private final List<EventSourceMapping<?>> mappings = new ArrayList<>();

    @BeforeAll
    static void startServer() throws IOException {
        server = DynamoDbStreamsWireServer.start();
        streams = TestClients.streams(server.endpoint());
        dynamodb = TestClients.dynamodb(server.endpoint());
    }

    @AfterAll
    static void stopServer() {
        try {
            if (streams != null) {
                streams.close();
                dynamodb.close();
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    @AfterEach
    void stopMappings() throws InterruptedException {
        try {
            for (EventSourceMapping<?> mapping : mappings) {
                mapping.stop(Duration.ofSeconds(10));
            }
        } finally {
            mappings.clear();
        }
    }

    /** A table keyed by {@code pk} and {@code sk}, with a NEW_AND_OLD_IMAGES stream of {@code shards} shards. */
    static TestTable newTable(int shards) {
        return server.createTable("orders-" + TABLES.incrementAndGet(), "pk", "sk",
                TestTable.ViewType.NEW_AND_OLD_IMAGES, shards);
    }

    /** A source on the table's stream that reads fast and backs off briefly. */
    static DynamoDbStreamSource source(TestTable table) {
        return DynamoDbStreamSource.builder(streams).streamArn(table.streamArn()).settings(DynamoDbSourceSettings
                .builder().getRecordsPerSecondPerShard(10).throttleBackoff(Duration.ofMillis(1), Duration.ofMillis(20))
                .build()).build();
    }

    /** TRIM_HORIZON, quick retries, idle polls and shard syncs: tests take little real time. */
    static StreamSettings.Builder fast() {
        return StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON)
                .retryBackoff(Duration.ofMillis(1), Duration.ofMillis(10))
                .idlePollInterval(Duration.ofMillis(20))
                .shardSyncInterval(Duration.ofMillis(100))
                .checkpointInterval(Duration.ofMillis(50));
    }

    static EventSourceMapping.Builder<DynamoDbRecord> mapping(String name, DynamoDbStreamSource source,
                                                             BatchHandler<StreamRecord<DynamoDbRecord>> handler) {
        return EventSourceMapping.builder(name, source, handler);
    }

    /** Builds, registers for stopping after the test, and starts. */
    EventSourceMapping<DynamoDbRecord> start(EventSourceMapping.Builder<DynamoDbRecord> builder) {
        EventSourceMapping<DynamoDbRecord> mapping = builder.build();
        mappings.add(mapping);
        mapping.start();
        return mapping;
    }

    static ConditionFactory eventually() {
        return await().atMost(LIVENESS).pollInterval(Duration.ofMillis(20));
    }

    /** Writes items {@code n = from…from+count-1}, item {@code k<n % keys>}: INSERT first, MODIFY after. */
    static List<TestTable.Written> writeNumbered(TestTable table, int from, int count, int keys) {
        List<TestTable.Written> written = new ArrayList<>(count);
        for (int n = from; n < from + count; n++) {
            written.add(table.put(item("k" + n % keys, n)).orElseThrow());
        }
        return written;
    }

    static String item(String key, int n) {
        return "{\"pk\":{\"S\":\"" + key + "\"},\"sk\":{\"N\":\"0\"},\"n\":{\"N\":\"" + n + "\"}}";
    }

    static String keys(String key) {
        return "{\"pk\":{\"S\":\"" + key + "\"},\"sk\":{\"N\":\"0\"}}";
    }

    /** The {@code n} of the record's new image (or old image, for a REMOVE). */
    static int number(DynamoDbRecord record) {
        DynamoDbRecord.Dynamodb change = record.dynamodb();
        return Integer.parseInt((change.newImage() != null ? change.newImage() : change.oldImage()).get("n").n());
    }

    static String shardOf(DynamoDbRecord record, List<TestTable.Written> written) {
        return written.stream().filter(w -> w.eventId().equals(record.eventID())).findFirst().orElseThrow()
                .shardId();
    }

    /** Within each shard, the delivered records are exactly the written ones, in write order. */
    static void assertInWriteOrderPerShard(List<TestTable.Written> written, List<DynamoDbRecord> delivered) {
        Map<String, List<String>> expected = written.stream().collect(Collectors.groupingBy(
                TestTable.Written::shardId, LinkedHashMap::new,
                Collectors.mapping(TestTable.Written::eventId, Collectors.toList())));
        Map<String, List<String>> actual = delivered.stream().collect(Collectors.groupingBy(
                r -> shardOf(r, written), LinkedHashMap::new,
                Collectors.mapping(DynamoDbRecord::eventID, Collectors.toList())));
        assertThat(actual).isEqualTo(expected);
    }

    /** For each item, the numbers arrive in increasing order. */
    static void assertInOrderPerItem(List<DynamoDbRecord> delivered) {
        Map<String, List<Integer>> byKey = delivered.stream().collect(Collectors.groupingBy(
                r -> r.dynamodb().keys().get("pk").s(), Collectors.mapping(WireFixture::number,
                        Collectors.toList())));
        byKey.forEach((key, numbers) -> assertThat(numbers).as("records of item %s", key).isSorted());
    }
}
