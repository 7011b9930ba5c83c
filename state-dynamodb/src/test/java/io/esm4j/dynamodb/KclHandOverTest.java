package io.esm4j.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.kinesis.KinesisMockServer;
import io.esm4j.kinesis.KinesisRecord;
import io.esm4j.kinesis.KinesisSourceSettings;
import io.esm4j.kinesis.KinesisStreamSource;
import io.esm4j.kinesis.TestStreams;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testsupport.RequiresNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.kinesis.exceptions.KinesisClientLibException;
import software.amazon.kinesis.lifecycle.events.InitializationInput;
import software.amazon.kinesis.lifecycle.events.LeaseLostInput;
import software.amazon.kinesis.lifecycle.events.ProcessRecordsInput;
import software.amazon.kinesis.lifecycle.events.ShardEndedInput;
import software.amazon.kinesis.lifecycle.events.ShutdownRequestedInput;
import software.amazon.kinesis.processor.ShardRecordProcessor;
import software.amazon.kinesis.retrieval.KinesisClientRecord;

/**
 * The move from the KCL with a lease table the KCL itself wrote: a KCL 3.5.1 application reads a kinesis-mock
 * stream and checkpoints part of it, is shut down, and an esm4j mapping naming its lease table as
 * {@code KclLeaseTable} continues exactly after the KCL's checkpoints: nothing the KCL checkpointed comes again,
 * nothing after it is skipped, per key in order. The KCL needs 15–40 s to start even with a short shard-sync
 * interval (it waits for its lease table in random steps of up to 30 s), so there is one run for the class.
 */
@RequiresNode
@ExtendWith(DynaliteExtension.class)
class KclHandOverTest {

    private static final String STREAM = "kcl-hand-over";
    private static final int SHARDS = 2;
    private static final int KEYS = 16;
    /** Records before the KCL starts; it reads them all but checkpoints only those numbered below CUT. */
    private static final int BEFORE = 100;
    private static final int CUT = 50;
    /** Records put after the KCL stopped. */
    private static final int AFTER = 40;
    /** Not the KCL's 60 s: its first worker waits that long after creating the leases before it reads. */
    private static final Duration KCL_SHARD_SYNC_INTERVAL = Duration.ofSeconds(5);
    /** Not the KCL's 10 s: its lease assignment runs every two of them, so new leases could wait 20 s for it. */
    private static final Duration KCL_FAILOVER_TIME = Duration.ofSeconds(3);
    /** Only a bound for a hung test: the KCL's start alone can take a minute on a loaded machine. */
    private static final Duration PATIENCE = Duration.ofMinutes(3);

    private static KinesisMockServer kinesisMock;
    private static KinesisClient kinesis;
    private static Clients.Worker dynamoDb;

    @BeforeAll
    static void servers() throws Exception {
        kinesisMock = KinesisMockServer.start();
        kinesis = KinesisClient.builder().endpointOverride(kinesisMock.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"))).build();
        dynamoDb = Clients.worker();
    }

    @AfterAll
    static void stopServers() {
        if (dynamoDb != null) {
            dynamoDb.close();
        }
        if (kinesis != null) {
            kinesis.close();
        }
        if (kinesisMock != null) {
            kinesisMock.close();
        }
    }

    @Test
    void anEsm4jMappingContinuesExactlyAfterTheCheckpointsARealKclWrote() throws Exception {
        TestStreams.create(kinesis, STREAM, SHARDS);
        List<TestStreams.Put> puts = TestStreams.putNumbered(kinesis, STREAM, 0, BEFORE, KEYS);
        // Per shard, the last record below CUT: where the KCL's checkpoint must end up.
        Map<String, String> expectedCheckpoints = puts.stream().filter(p -> number(p.data()) < CUT)
                .collect(Collectors.toMap(TestStreams.Put::shardId, TestStreams.Put::sequenceNumber,
                        (a, b) -> b));
        assertThat(expectedCheckpoints).as("records below the cut on every shard").hasSize(SHARDS);

        Set<Integer> seenByKcl = ConcurrentHashMap.newKeySet();
        String application = "kcl-app-" + Long.toHexString(System.nanoTime());
        String kclTable;
        try (KclApplication kcl = KclApplication.start(application, STREAM, kinesisMock.endpoint(),
                DynaliteExtension.endpoint(), worker -> new CheckpointBelowCut(seenByKcl),
                new ExecutionInterceptor() {}, new ExecutionInterceptor() {}, KCL_SHARD_SYNC_INTERVAL,
                KCL_FAILOVER_TIME)) {
            kclTable = kcl.leaseTable();
            await().atMost(PATIENCE).until(() -> seenByKcl.size() == BEFORE);
            await().atMost(PATIENCE).until(() -> kclCheckpoints(kclTable).equals(expectedCheckpoints));
        }
        // The KCL's checkpoint stands after its shutdown: nothing moved it past the cut.
        assertThat(kclCheckpoints(kclTable)).isEqualTo(expectedCheckpoints);
        TestStreams.putNumbered(kinesis, STREAM, BEFORE, AFTER, KEYS);

        List<Integer> handled = Collections.synchronizedList(new ArrayList<>());
        Map<String, List<Integer>> perKey = new ConcurrentHashMap<>();
        DynamoDbLeaseStore leases = new DynamoDbLeaseStore(dynamoDb.client(), DynamoDbLeaseStoreSettings.builder()
                .tableName(Clients.table("after-kcl")).kclLeaseTable(kclTable).build());
        KinesisStreamSource source = KinesisStreamSource.builder(kinesis).streamName(STREAM)
                .settings(KinesisSourceSettings.builder().getRecordsPerSecondPerShard(5).build()).build();
        BatchHandler<StreamRecord<KinesisRecord>> handler = batch -> {
            for (StreamRecord<KinesisRecord> record : batch.records()) {
                int n = number(record.payload().dataAsString());
                handled.add(n);
                perKey.computeIfAbsent(record.partitionKey(), k -> new ArrayList<>()).add(n);
            }
            return BatchResult.success();
        };
        EventSourceMapping<KinesisRecord> mapping = EventSourceMapping.builder("after-kcl", source, handler)
                // TRIM_HORIZON: a shard started without the KCL's checkpoint would hand over records 0..49 again.
                .settings(StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON)
                        .idlePollInterval(Duration.ofMillis(50)).shardSyncInterval(Duration.ofMillis(500)).build())
                .leaseStore(leases).workerId("esm4j-1").build();
        mapping.start();
        try {
            await().atMost(PATIENCE).until(() -> Set.copyOf(handled).size() == BEFORE + AFTER - CUT);
        } finally {
            mapping.stop(Duration.ofSeconds(10));
        }

        assertThat(handled).as("every record after the KCL's checkpoint, once, and nothing before it")
                .containsExactlyInAnyOrderElementsOf(IntStream.range(CUT, BEFORE + AFTER).boxed().toList());
        Map<String, List<Integer>> expectedPerKey = new HashMap<>();
        IntStream.range(CUT, BEFORE + AFTER)
                .forEach(n -> expectedPerKey.computeIfAbsent("k" + n % KEYS, k -> new ArrayList<>()).add(n));
        assertThat(perKey).as("per key in order").isEqualTo(expectedPerKey);
    }

    /** The KCL's checkpoint per shard, as it stored it. */
    private static Map<String, String> kclCheckpoints(String table) {
        Map<String, String> checkpoints = new HashMap<>();
        for (Map<String, AttributeValue> item : dynamoDb.client().scanPaginator(r -> r.tableName(table)).items()) {
            String key = item.get("leaseKey").s();
            if (key.startsWith("shardId-") && item.containsKey("checkpoint")) {
                assertThat(item.get("checkpointSubSequenceNumber").n()).as("sub-sequence of %s", key).isEqualTo("0");
                checkpoints.put(key, item.get("checkpoint").s());
            }
        }
        return checkpoints;
    }

    private static int number(String data) {
        return Integer.parseInt(data.substring(1));
    }

    /**
     * Notes every record and checkpoints after the last one numbered below the cut, so that the KCL's checkpoint
     * lands in the middle of what it read; at shutdown it checkpoints nothing more.
     */
    private record CheckpointBelowCut(Set<Integer> seen) implements ShardRecordProcessor {

        @Override
        public void initialize(InitializationInput input) {}

        @Override
        public void processRecords(ProcessRecordsInput input) {
            KinesisClientRecord last = null;
            for (KinesisClientRecord record : input.records()) {
                int n = number(StandardCharsets.UTF_8.decode(record.data().duplicate()).toString());
                seen.add(n);
                if (n < CUT) {
                    last = record;
                }
            }
            if (last != null) {
                try {
                    input.checkpointer().checkpoint(last.sequenceNumber());
                } catch (KinesisClientLibException e) {
                    throw new IllegalStateException("the KCL refused a checkpoint", e);
                }
            }
        }

        @Override
        public void leaseLost(LeaseLostInput input) {}

        @Override
        public void shardEnded(ShardEndedInput input) {}

        @Override
        public void shutdownRequested(ShutdownRequestedInput input) {}
    }
}
