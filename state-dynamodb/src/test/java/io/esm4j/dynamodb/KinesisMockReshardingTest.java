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
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ConsumerStatus;
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

    private static final String MAPPING = "resharded";
    /** Only a bound for a hung test. */
    private static final Duration PATIENCE = Duration.ofMinutes(2);

    private static KinesisMockServer kinesisMock;
    private static KinesisClient kinesis;
    /** For the workers that read with enhanced fan-out: one HTTP/2 client, as closing one takes seconds. */
    private static KinesisAsyncClient subscriber;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<Recorder.Handled> handled = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void servers() throws Exception {
        kinesisMock = KinesisMockServer.start();
        kinesis = client();
        subscriber = KinesisAsyncClient.builder().endpointOverride(kinesisMock.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(CREDENTIALS).httpClientBuilder(NettyNioAsyncHttpClient.builder()).build();
    }

    @AfterAll
    static void stopServers() {
        if (subscriber != null) {
            subscriber.close();
        }
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
                .credentialsProvider(CREDENTIALS).build();
    }

    private static final StaticCredentialsProvider CREDENTIALS = StaticCredentialsProvider.create(
            AwsBasicCredentials.create("x", "x"));

    /**
     * With enhanced fan-out the three workers subscribe as one consumer: a shard whose lease moves is refused to its
     * new owner (ResourceInUseException) until the old owner has let its subscription go.
     */
    @ParameterizedTest(name = "enhanced fan-out: {0}")
    @ValueSource(booleans = {false, true})
    void aSplitAndAMergeWhileThreeWorkersRunAreFollowedParentsFirst(boolean fanOut) {
        String stream = "resharded-" + (fanOut ? "fan-out" : "polling");
        TestStreams.create(kinesis, stream, 4);
        String consumerArn = fanOut ? consumer(stream) : null;
        String table = Clients.table("resharded");
        for (String id : List.of("w1", "w2", "w3")) {
            start(id, table, stream, consumerArn);
        }
        Clients.Worker observerClient = Clients.worker();
        toClose.add(observerClient);
        DynamoDbLeaseStore observer = new DynamoDbLeaseStore(observerClient.client(),
                DynamoDbLeaseStoreSettings.builder().tableName(table).build());
        TestStreams.putNumbered(kinesis, stream, 0, 200, Recorder.KEYS);
        await().atMost(PATIENCE).until(() -> owners(observer).keySet().equals(Set.of("w1", "w2", "w3")));

        List<Shard> open = kinesis.listShards(r -> r.streamName(stream)
                .shardFilter(f -> f.type(ShardFilterType.AT_LATEST))).shards();
        Shard first = open.get(0);
        BigInteger start = new BigInteger(first.hashKeyRange().startingHashKey());
        BigInteger end = new BigInteger(first.hashKeyRange().endingHashKey());
        kinesis.splitShard(r -> r.streamName(stream).shardToSplit(first.shardId())
                .newStartingHashKey(start.add(end).shiftRight(1).toString()));
        TestStreams.awaitActive(kinesis, stream);
        TestStreams.putNumbered(kinesis, stream, 200, 200, Recorder.KEYS);
        kinesis.mergeShards(r -> r.streamName(stream).shardToMerge(open.get(2).shardId())
                .adjacentShardToMerge(open.get(3).shardId()));
        TestStreams.awaitActive(kinesis, stream);
        TestStreams.putNumbered(kinesis, stream, 400, 200, Recorder.KEYS);

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

    private static String consumer(String stream) {
        String streamArn = kinesis.describeStreamSummary(r -> r.streamName(stream)).streamDescriptionSummary()
                .streamARN();
        String consumerArn = kinesis.registerStreamConsumer(r -> r.streamARN(streamArn).consumerName(MAPPING))
                .consumer().consumerARN();
        await().atMost(PATIENCE).until(() -> kinesis.describeStreamConsumer(r -> r.consumerARN(consumerArn))
                .consumerDescription().consumerStatus() == ConsumerStatus.ACTIVE);
        return consumerArn;
    }

    private void start(String id, String table, String stream, @Nullable String consumerArn) {
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
                        source(client, stream, consumerArn), handler)
                .settings(Fleet.settings(Duration.ofSeconds(10)).build())
                .leaseStore(new DynamoDbLeaseStore(dynamoDb.client(), DynamoDbLeaseStoreSettings.builder()
                        .tableName(table).build()))
                .workerId(id).build();
        mapping.start();
        toClose.add(() -> mapping.stop(Duration.ofSeconds(10)));
    }

    private static KinesisStreamSource source(KinesisClient client, String stream, @Nullable String consumerArn) {
        KinesisStreamSource.Builder builder = KinesisStreamSource.builder(client).streamName(stream)
                .settings(KinesisSourceSettings.builder().getRecordsPerSecondPerShard(5)
                        .throttleBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)).build());
        return (consumerArn == null ? builder : builder.enhancedFanOut(subscriber, consumerArn)).build();
    }

    private static Map<String, Long> owners(DynamoDbLeaseStore observer) {
        return observer.list(MAPPING).stream().filter(l -> !l.ended() && l.owner() != null)
                .collect(Collectors.groupingBy(Lease::owner, Collectors.counting()));
    }
}
