package io.esm4j.kinesis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchHandler;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/**
 * The Kinesis suite against a real server. The tests live in {@link ReadingTests}, {@link FailureTests} and
 * {@link ReshardingTests}; this base gives them a client with a {@link FaultInjector}, a fresh stream per test,
 * mappings that are stopped after each test, and order assertions. Subclasses say which server.
 */
abstract class KinesisSourceContract implements ReadingTests, FailureTests, ReshardingTests {

    static final Duration LIVENESS = Duration.ofSeconds(60);
    private static final AtomicInteger STREAMS = new AtomicInteger();

    FaultInjector faults;
    KinesisClient kinesis;
    private String testName;
    private final List<EventSourceMapping<?>> mappings = new ArrayList<>();

    abstract URI endpoint();

    @Override
    public KinesisSourceContract fixture() {
        return this;
    }

    abstract Region region();

    abstract AwsCredentialsProvider credentials();

    @BeforeEach
    void openClient(TestInfo test) {
        testName = test.getTestMethod().map(m -> m.getName()).orElse("test");
        faults = new FaultInjector();
        kinesis = KinesisClient.builder().endpointOverride(endpoint()).region(region())
                .credentialsProvider(credentials())
                .overrideConfiguration(c -> c.addExecutionInterceptor(faults))
                .build();
    }

    @AfterEach
    void stopMappings() throws InterruptedException {
        try {
            for (EventSourceMapping<?> mapping : mappings) {
                mapping.stop(Duration.ofSeconds(10));
            }
        } finally {
            mappings.clear();
            kinesis.close();
        }
    }

    /** A new stream with {@code shards} shards, ACTIVE. */
    String newStream(int shards) {
        String name = "esm4j-" + STREAMS.incrementAndGet() + "-" + testName;
        name = name.substring(0, Math.min(name.length(), 128)); // Kinesis's limit for stream names
        TestStreams.create(kinesis, name, shards);
        return name;
    }

    KinesisStreamSource source(String stream) {
        return source(stream, KinesisSourceSettings.builder().getRecordsPerSecondPerShard(5));
    }

    KinesisStreamSource source(String stream, KinesisSourceSettings.Builder settings) {
        return KinesisStreamSource.builder(kinesis).streamName(stream).settings(settings.build()).build();
    }

    /** True where the sources read with enhanced fan-out: tests of GetRecords and its iterators do not apply. */
    boolean fanOut() {
        return false;
    }

    /** TRIM_HORIZON, quick retries, idle polls and shard syncs: tests take little real time. */
    static StreamSettings.Builder fast() {
        return StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON)
                .retryBackoff(Duration.ofMillis(1), Duration.ofMillis(10))
                .idlePollInterval(Duration.ofMillis(50))
                .shardSyncInterval(Duration.ofMillis(200));
    }

    EventSourceMapping.Builder<KinesisRecord> mapping(String name, KinesisStreamSource source,
                                                      BatchHandler<StreamRecord<KinesisRecord>> handler) {
        return EventSourceMapping.builder(name, source, handler);
    }

    /** Builds, registers for stopping after the test, and starts. */
    EventSourceMapping<KinesisRecord> start(EventSourceMapping.Builder<KinesisRecord> builder) {
        EventSourceMapping<KinesisRecord> mapping = builder.build();
        mappings.add(mapping);
        mapping.start();
        return mapping;
    }

    static ConditionFactory eventually() {
        return await().atMost(LIVENESS).pollInterval(Duration.ofMillis(50));
    }

    static String shardOf(KinesisRecord record) {
        return record.eventID().substring(0, record.eventID().indexOf(':'));
    }

    /** Within each shard, the delivered records are exactly the put ones, in put order. */
    static void assertInPutOrderPerShard(List<TestStreams.Put> puts, List<KinesisRecord> delivered) {
        Map<String, List<String>> expected = puts.stream().collect(Collectors.groupingBy(TestStreams.Put::shardId,
                LinkedHashMap::new, Collectors.mapping(TestStreams.Put::sequenceNumber, Collectors.toList())));
        Map<String, List<String>> actual = delivered.stream().collect(Collectors.groupingBy(
                KinesisSourceContract::shardOf, LinkedHashMap::new,
                Collectors.mapping(r -> r.kinesis().sequenceNumber(), Collectors.toList())));
        assertThat(actual).isEqualTo(expected);
    }

    /** For each partition key, the record numbers ({@code r<i>}) arrive in increasing order. */
    static void assertInOrderPerKey(List<KinesisRecord> delivered) {
        Map<String, List<Integer>> byKey = delivered.stream().collect(Collectors.groupingBy(
                r -> r.kinesis().partitionKey(), Collectors.mapping(KinesisSourceContract::number,
                        Collectors.toList())));
        byKey.forEach((key, numbers) -> assertThat(numbers).as("records of key %s", key).isSorted());
    }

    static int number(KinesisRecord record) {
        return Integer.parseInt(record.dataAsString().substring(1));
    }
}
