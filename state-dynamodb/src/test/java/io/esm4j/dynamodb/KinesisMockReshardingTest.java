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
import io.esm4j.lease.Lease;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testsupport.RequiresNode;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardFilterType;

/**
 * A split and a merge on a real Kinesis API (kinesis-mock) while three workers share the stream through a DynamoDB
 * lease table: the children are followed, parents first whichever worker held them, every record is handled and
 * per key in order (a record may come again only after a lease moved). MultiWorkerTest does the same on the
 * in-memory stream; here kinesis-mock's own lineage (parentShardId, adjacentParentShardId, childShards) is used.
 */
@RequiresNode
@ExtendWith(DynaliteExtension.class)
class KinesisMockReshardingTest {

    private static final String STREAM = "resharded";
    private static final String MAPPING = "resharded";
    /** Only a bound for a hung test. */
    private static final Duration PATIENCE = Duration.ofMinutes(2);

    private static KinesisMockServer kinesisMock;
    private static KinesisClient kinesis;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<Recorder.Handled> handled = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void servers() throws Exception {
        kinesisMock = KinesisMockServer.start();
        kinesis = client();
    }

    @AfterAll
    static void stopServers() {
        if (kinesis != null) {
            kinesis.close();
        }
        if (kinesisMock != null) {
            kinesisMock.close();
        }
    }

    @AfterEach
    void stopWorkers() throws Exception {
        for (AutoCloseable closeable : toClose.reversed()) {
            closeable.close();
        }
    }

    private static KinesisClient client() {
        return KinesisClient.builder().endpointOverride(kinesisMock.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"))).build();
    }

    @Test
    void aSplitAndAMergeWhileThreeWorkersRunAreFollowedParentsFirst() {
        TestStreams.create(kinesis, STREAM, 4);
        String table = Clients.table("resharded");
        for (String id : List.of("w1", "w2", "w3")) {
            start(id, table);
        }
        Clients.Worker observerClient = Clients.worker();
        toClose.add(observerClient);
        DynamoDbLeaseStore observer = new DynamoDbLeaseStore(observerClient.client(),
                DynamoDbLeaseStoreSettings.builder().tableName(table).build());
        TestStreams.putNumbered(kinesis, STREAM, 0, 200, Recorder.KEYS);
        await().atMost(PATIENCE).until(() -> owners(observer).keySet().equals(Set.of("w1", "w2", "w3")));

        List<Shard> open = kinesis.listShards(r -> r.streamName(STREAM)
                .shardFilter(f -> f.type(ShardFilterType.AT_LATEST))).shards();
        Shard first = open.get(0);
        BigInteger start = new BigInteger(first.hashKeyRange().startingHashKey());
        BigInteger end = new BigInteger(first.hashKeyRange().endingHashKey());
        kinesis.splitShard(r -> r.streamName(STREAM).shardToSplit(first.shardId())
                .newStartingHashKey(start.add(end).shiftRight(1).toString()));
        TestStreams.awaitActive(kinesis, STREAM);
        TestStreams.putNumbered(kinesis, STREAM, 200, 200, Recorder.KEYS);
        kinesis.mergeShards(r -> r.streamName(STREAM).shardToMerge(open.get(2).shardId())
                .adjacentShardToMerge(open.get(3).shardId()));
        TestStreams.awaitActive(kinesis, STREAM);
        TestStreams.putNumbered(kinesis, STREAM, 400, 200, Recorder.KEYS);

        // A copy: the workers add to the synchronized list while this counts.
        await().atMost(PATIENCE)
                .until(() -> List.copyOf(handled).stream().map(Recorder.Handled::n).distinct().count() == 600);
        // 4 shards - 1 split + 2 children - 2 merged + 1 child = 4 open shards, held by the three.
        await().atMost(PATIENCE).until(() -> observer.list(MAPPING).stream().filter(l -> !l.ended()).count() == 4
                && owners(observer).keySet().equals(Set.of("w1", "w2", "w3")));
        assertThat(observer.list(MAPPING)).filteredOn(Lease::ended).extracting(Lease::shardId)
                .as("the split and the merged parents, finished").containsExactlyInAnyOrder(
                        first.shardId(), open.get(2).shardId(), open.get(3).shardId());

        Recorder.assertEveryRecordInPerKeyOrderWithReplaysOnly(List.copyOf(handled), 600);
    }

    private void start(String id, String table) {
        Clients.Worker dynamoDb = Clients.worker();
        KinesisClient client = client();
        toClose.add(dynamoDb);
        toClose.add(client);
        BatchHandler<StreamRecord<KinesisRecord>> handler = batch -> {
            for (StreamRecord<KinesisRecord> record : batch.records()) {
                handled.add(new Recorder.Handled(record.partitionKey(),
                        Integer.parseInt(record.payload().dataAsString().substring(1))));
            }
            return BatchResult.success();
        };
        EventSourceMapping<KinesisRecord> mapping = EventSourceMapping.builder(MAPPING,
                        KinesisStreamSource.builder(client).streamName(STREAM)
                                .settings(KinesisSourceSettings.builder().getRecordsPerSecondPerShard(5).build())
                                .build(), handler)
                .settings(Fleet.settings(Duration.ofSeconds(10)).build())
                .leaseStore(new DynamoDbLeaseStore(dynamoDb.client(), DynamoDbLeaseStoreSettings.builder()
                        .tableName(table).build()))
                .workerId(id).build();
        mapping.start();
        toClose.add(() -> mapping.stop(Duration.ofSeconds(10)));
    }

    private static Map<String, Long> owners(DynamoDbLeaseStore observer) {
        return observer.list(MAPPING).stream().filter(l -> !l.ended() && l.owner() != null)
                .collect(Collectors.groupingBy(Lease::owner, Collectors.counting()));
    }
}
