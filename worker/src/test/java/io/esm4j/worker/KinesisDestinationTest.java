package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.kinesis.KinesisMockServer;
import io.esm4j.testsupport.RequiresNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/**
 * A Kinesis mapping from a worker file whose function always fails: with MaximumRetryAttempts 0 the records are
 * given up and their failure record reaches the SQS queue named by DestinationConfig.OnFailure (through sinks'
 * FailureDestinations.forArn), in Lambda's shape.
 */
@RequiresNode
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KinesisDestinationTest {

    private KinesisMockServer kinesisMock;
    private KinesisClient kinesis;
    private ElasticMq elasticMq;
    private RecordingFunction function;
    @TempDir
    Path directory;

    @BeforeAll
    void start() throws Exception {
        kinesisMock = KinesisMockServer.start();
        kinesis = KinesisClient.builder().endpointOverride(kinesisMock.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(ElasticMq.CREDENTIALS).build();
        elasticMq = new ElasticMq();
        function = new RecordingFunction();
    }

    @AfterAll
    void stop() {
        try {
            function.close();
            elasticMq.close();
            kinesis.close();
        } finally {
            kinesisMock.close();
        }
    }

    @Test
    void givenUpRecordsReachTheOnFailureQueue() throws Exception {
        kinesis.createStream(r -> r.streamName("dest-stream").shardCount(1));
        await().atMost(Duration.ofSeconds(60)).until(() -> kinesis.describeStreamSummary(r -> r
                .streamName("dest-stream")).streamDescriptionSummary().streamStatus() == StreamStatus.ACTIVE);
        String streamArn = kinesis.describeStreamSummary(r -> r.streamName("dest-stream")).streamDescriptionSummary()
                .streamARN();
        String dlqArn = elasticMq.queue("dest-failures", 30);
        Path config = directory.resolve("mappings.yaml");
        Files.writeString(config, """
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
                """.formatted(kinesisMock.endpoint(), elasticMq.endpoint, streamArn, function.failingUrl(), dlqArn));
        // Closed before the test ends: the worker writes its checkpoints into the temporary directory.
        try (Worker worker = Worker.start(WorkerOptions.defaults().withConfigFile(config).withDataDirectory(directory)
                .withListen("127.0.0.1", 0).withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS))) {
            assertTheFailureRecordArrives(streamArn);
        }
    }

    private void assertTheFailureRecordArrives(String streamArn) throws Exception {
        kinesis.putRecord(r -> r.streamName("dest-stream").partitionKey("k").data(SdkBytes.fromUtf8String("poison")));

        List<String> failures = new CopyOnWriteArrayList<>();
        String dlq = elasticMq.url("dest-failures");
        await().atMost(Duration.ofSeconds(120)).until(() -> {
            elasticMq.sqs.receiveMessage(r -> r.queueUrl(dlq).waitTimeSeconds(1)).messages()
                    .forEach(message -> failures.add(message.body()));
            return !failures.isEmpty();
        });
        JsonNode record = new ObjectMapper().readTree(failures.get(0));
        assertThat(record.path("requestContext").path("condition").asText()).isEqualTo("RetryAttemptsExhausted");
        assertThat(record.path("KinesisBatchInfo").path("streamArn").asText()).isEqualTo(streamArn);
        assertThat(record.path("KinesisBatchInfo").path("batchSize").asInt()).isEqualTo(1);
        assertThat(function.failed.get()).isEqualTo(1);
    }
}
