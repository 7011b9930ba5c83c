package io.esm4j.bench;

import io.esm4j.EventSourceMapping;
import io.esm4j.dynamodb.DynamoDbLeaseStore;
import io.esm4j.dynamodb.DynamoDbLeaseStoreSettings;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.kinesis.KinesisRecord;
import io.esm4j.kinesis.KinesisStreamSource;
import io.esm4j.lease.Lease;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/**
 * Three esm4j mappings of one name over a Kinesis stream, in this JVM but each with its own SDK clients and worker
 * id, as three processes would be; leases in a DynamoDB table. Every setting is the default but StartingPosition.
 */
final class Esm4jFleet implements BenchFleet {

    private static final String MAPPING = "bench";
    static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"));

    private record Worker(String id, EventSourceMapping<KinesisRecord> mapping, CallCounter dynamoDbCalls,
                          CallCounter kinesisCalls, DynamoDbClient dynamoDb, KinesisClient kinesis) {}

    private final Map<String, Worker> workers = new HashMap<>();
    private final DynamoDbClient observerClient;
    private final DynamoDbLeaseStore observer;

    Esm4jFleet(URI kinesisEndpoint, URI dynamoDbEndpoint, String stream, ShardActivity activity) {
        DynamoDbLeaseStoreSettings settings = DynamoDbLeaseStoreSettings.builder()
                .tableName("esm4j-bench-" + Long.toHexString(System.nanoTime())).build();
        observerClient = dynamoDb(dynamoDbEndpoint, new CallCounter());
        observer = new DynamoDbLeaseStore(observerClient, settings);
        for (String id : List.of("esm4j-1", "esm4j-2", "esm4j-3")) {
            CallCounter dynamoDbCalls = new CallCounter();
            CallCounter kinesisCalls = new CallCounter();
            DynamoDbClient dynamoDb = dynamoDb(dynamoDbEndpoint, dynamoDbCalls);
            KinesisClient kinesis = KinesisClient.builder().endpointOverride(kinesisEndpoint)
                    .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS)
                    .overrideConfiguration(c -> c.addExecutionInterceptor(kinesisCalls)).build();
            BatchHandler<StreamRecord<KinesisRecord>> handler = batch -> {
                batch.records().forEach(r -> activity.handled(id, r.shardId()));
                return BatchResult.success();
            };
            EventSourceMapping<KinesisRecord> mapping = EventSourceMapping.builder(MAPPING,
                            KinesisStreamSource.builder(kinesis).streamName(stream).build(), handler)
                    .settings(StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON).build())
                    .leaseStore(new DynamoDbLeaseStore(dynamoDb, settings)).workerId(id).build();
            mapping.start();
            workers.put(id, new Worker(id, mapping, dynamoDbCalls, kinesisCalls, dynamoDb, kinesis));
        }
    }

    private static DynamoDbClient dynamoDb(URI endpoint, CallCounter calls) {
        return DynamoDbClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(CREDENTIALS).overrideConfiguration(c -> c.addExecutionInterceptor(calls))
                .build();
    }

    @Override
    public List<String> workers() {
        return workers.keySet().stream().sorted().toList();
    }

    @Override
    public Map<String, Set<String>> holdings() {
        return observer.list(MAPPING).stream().filter(l -> !l.ended() && l.owner() != null)
                .collect(Collectors.groupingBy(Lease::owner, Collectors.mapping(Lease::shardId, Collectors.toSet())));
    }

    @Override
    public Map<String, Long> dynamoDbCalls() {
        return CallCounter.sum(workers.values().stream().map(Worker::dynamoDbCalls).toList());
    }

    @Override
    public void resetCalls() {
        workers.values().forEach(w -> w.dynamoDbCalls().reset());
    }

    @Override
    public void cut(String worker) {
        workers.get(worker).dynamoDbCalls().cut();
        workers.get(worker).kinesisCalls().cut();
    }

    @Override
    public void close() throws InterruptedException {
        List<Worker> all = new ArrayList<>(workers.values());
        for (Worker worker : all) {
            worker.mapping().stop(Duration.ofSeconds(15));
            worker.dynamoDb().close();
            worker.kinesis().close();
        }
        observerClient.close();
    }
}
