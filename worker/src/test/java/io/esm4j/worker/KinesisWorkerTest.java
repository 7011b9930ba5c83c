package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.kinesis.TestStreams;
import io.esm4j.redis.LocalRedis;
import io.esm4j.testsupport.RequiresNode;
import io.esm4j.worker.mappings.ManagedMapping;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;

/**
 * Kinesis mappings from a worker file, on kinesis-mock: a function that always fails, whose given-up records reach the
 * SQS queue named by DestinationConfig.OnFailure (through sinks' FailureDestinations.forArn) in Lambda's shape, by
 * GetRecords and by enhanced fan-out; a fan-out consumer that does not exist; a fan-out mapping on more shards than
 * the SDK's HTTP client allows concurrent requests by default; and two workers sharing a stream's shards through
 * leases in Redis ({@code --lease-redis}).
 */
@RequiresNode
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KinesisWorkerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final LocalRedis redis = new LocalRedis();

    private KinesisMock kinesisMock;
    private ElasticMq elasticMq;
    private RecordingFunction function;
    @TempDir
    Path directory;

    @BeforeAll
    void start() throws Exception {
        kinesisMock = new KinesisMock();
        elasticMq = new ElasticMq();
        function = new RecordingFunction();
    }

    @AfterAll
    void stop() {
        try {
            function.close();
            elasticMq.close();
        } finally {
            kinesisMock.close();
        }
    }

    @Test
    void givenUpRecordsReachTheOnFailureQueue() throws Exception {
        String streamArn = kinesisMock.activeStream("dest-stream", 1);
        String dlqArn = elasticMq.queue("dest-failures", 30);
        String workerFile = workerFile(streamArn, dlqArn);
        try (Worker worker = InProcessWorker.start(directory, workerFile)) {
            assertTheFailureRecordArrives(streamArn);
        }
    }

    /** A stream consumer's ARN reads with enhanced fan-out (SubscribeToShard); records and failures are the same. */
    @Test
    void aStreamConsumerArnReadsWithEnhancedFanOut() throws Exception {
        String streamArn = kinesisMock.activeStream("efo-stream", 1);
        String consumerArn = kinesisMock.activeConsumer(streamArn, "efo-worker");
        String dlqArn = elasticMq.queue("efo-failures", 30);
        String workerFile = workerFile(consumerArn, dlqArn);
        int failedBefore = function.failed.get();
        try (Worker worker = InProcessWorker.start(directory, workerFile)) {
            assertTheFailureRecordArrives("efo-stream", streamArn, "efo-failures", failedBefore);
        }
    }

    /** A consumer that was never registered: the mapping does not start and says why, in its status. */
    @Test
    void aConsumerThatDoesNotExistIsAProblemInTheMappingsStatus() throws Exception {
        String streamArn = kinesisMock.activeStream("no-consumer-stream", 1);
        String consumerArn = streamArn + "/consumer/never-registered:1700000000";
        String dlqArn = elasticMq.queue("no-consumer-failures", 30);
        try (Worker worker = InProcessWorker.start(directory, workerFile(consumerArn, dlqArn))) {
            ManagedMapping mapping = worker.registry().list().getFirst();
            await().atMost(Duration.ofSeconds(60)).until(() -> mapping.stateTransitionReason()
                    .startsWith("PROBLEM"));
            assertThat(mapping.stateTransitionReason()).contains("the stream consumer " + consumerArn
                    + " does not exist");
        }
    }

    /**
     * More shards (60) than the SDK's HTTP client allows concurrent requests by default (50): every shard holds a
     * subscription for minutes, so the worker's client must allow one per shard.
     */
    @Test
    void everyShardOfAWideStreamIsReadAtOnceWithEnhancedFanOut() throws Exception {
        int records = 600;
        String streamArn = kinesisMock.activeStream("wide-stream", 60);
        String consumerArn = kinesisMock.activeConsumer(streamArn, "wide-worker");
        TestStreams.putNumbered(kinesisMock.kinesis, "wide-stream", 0, records, records);
        try (Worker worker = InProcessWorker.start(directory, readEverything(consumerArn))) {
            // Only a bound for a hang: with the SDK's default of 50 concurrent requests this takes minutes.
            await().atMost(Duration.ofSeconds(90)).until(() -> function.distinct.containsAll(numbered(0, records)));
        }
    }

    @Test
    void twoWorkersShareTheShardsOfAStreamThroughLeasesInRedis() throws Exception {
        int records = 200;
        String streamArn = kinesisMock.activeStream("redis-leases", 4);
        // Numbered past the other cases' records: the function is the class's, and counts what every case sent.
        TestStreams.putNumbered(kinesisMock.kinesis, "redis-leases", 10_000, records, 16);
        String workerFile = readEverything(streamArn);
        RedisCommands<String, String> commands = redis.connect();
        try (Worker a = startWithRedisLeases("worker-a", workerFile);
             Worker b = startWithRedisLeases("worker-b", workerFile)) {
            await().atMost(Duration.ofSeconds(90)).until(() -> owners(commands).equals(Map.of("worker-a", 2,
                    "worker-b", 2)));
            await().atMost(Duration.ofSeconds(90))
                    .until(() -> function.distinct.containsAll(numbered(10_000, records)));
        }
        // Stopped workers release their leases: the shards wait, with their checkpoints, for the next worker.
        assertThat(owners(commands)).isEmpty();
    }

    /** A worker with a data directory of its own, its leases in Redis. */
    private Worker startWithRedisLeases(String workerId, String workerFile) throws IOException {
        return InProcessWorker.start(Files.createDirectories(directory.resolve(workerId)), workerFile,
                options -> options.withWorkerId(workerId)
                        .withLeases(new StoreLocation.Redis(URI.create(redis.url()))));
    }

    /** One mapping that hands every record of the source, from its start, to the recording function. */
    private String readEverything(String eventSourceArn) {
        return """
                Endpoints:
                  kinesis: %s
                EventSourceMappings:
                  - EventSourceArn: %s
                    FunctionName: %s
                    StartingPosition: TRIM_HORIZON
                """.formatted(kinesisMock.endpoint(), eventSourceArn, function.url());
    }

    /** Shards per owner, over the leases of every mapping in Redis (the test has one). */
    private static Map<String, Integer> owners(RedisCommands<String, String> commands) throws IOException {
        Map<String, Integer> owners = new HashMap<>();
        List<String> keys = commands.keys("esm4j:leases:*");
        for (String key : keys) {
            for (String lease : commands.hvals(key)) {
                String owner = JSON.readTree(lease).path("owner").asText(null);
                if (owner != null) {
                    owners.merge(owner, 1, Integer::sum);
                }
            }
        }
        return owners;
    }

    /** The bodies TestStreams.putNumbered gives records {@code from} to {@code from + count - 1}. */
    private static List<String> numbered(int from, int count) {
        return IntStream.range(from, from + count).mapToObj(i -> "r" + i).toList();
    }

    /** One mapping that gives up at once, failures to the queue. */
    private String workerFile(String eventSourceArn, String dlqArn) {
        return """
                Endpoints:
                  kinesis: %s
                  sqs: %s
                EventSourceMappings:
                  - EventSourceArn: %s
                    FunctionName: %s
                    StartingPosition: TRIM_HORIZON
                    MaximumRetryAttempts: 0
                    DestinationConfig:
                      OnFailure:
                        Destination: %s
                """.formatted(kinesisMock.endpoint(), elasticMq.endpoint, eventSourceArn, function.failingUrl(),
                dlqArn);
    }

    private void assertTheFailureRecordArrives(String streamArn) throws Exception {
        assertTheFailureRecordArrives("dest-stream", streamArn, "dest-failures", 0);
    }

    /** The failure record names the stream, also when a consumer read it. */
    private void assertTheFailureRecordArrives(String stream, String streamArn, String queue, int failedBefore)
            throws Exception {
        kinesisMock.kinesis.putRecord(r -> r.streamName(stream).partitionKey("k")
                .data(SdkBytes.fromUtf8String("poison")));

        List<String> failures = new CopyOnWriteArrayList<>();
        String dlq = elasticMq.url(queue);
        await().atMost(Duration.ofSeconds(120)).until(() -> {
            elasticMq.sqs.receiveMessage(r -> r.queueUrl(dlq).waitTimeSeconds(1)).messages()
                    .forEach(message -> failures.add(message.body()));
            return !failures.isEmpty();
        });
        JsonNode record = new ObjectMapper().readTree(failures.get(0));
        assertThat(record.path("requestContext").path("condition").asText()).isEqualTo("RetryAttemptsExhausted");
        assertThat(record.path("KinesisBatchInfo").path("streamArn").asText()).isEqualTo(streamArn);
        assertThat(record.path("KinesisBatchInfo").path("batchSize").asInt()).isEqualTo(1);
        assertThat(function.failed.get()).isEqualTo(failedBefore + 1);
    }
}
