package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.esm4j.kinesis.KinesisMockServer;
import io.esm4j.testsupport.RequiresNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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
 * TumblingWindowInSeconds on a Kinesis mapping from a worker file, against kinesis-mock: the HTTP function counts each
 * window's records in its state, and the final invocations of the windows carry all the records put.
 */
@RequiresNode
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KinesisTumblingWindowTest {

    private static final int RECORDS = 5;

    private KinesisMockServer kinesisMock;
    private KinesisClient kinesis;
    private WindowCountingFunction function;
    @TempDir
    Path directory;

    @BeforeAll
    void start() throws Exception {
        kinesisMock = KinesisMockServer.start();
        kinesis = KinesisClient.builder().endpointOverride(kinesisMock.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(ElasticMq.CREDENTIALS).build();
        function = new WindowCountingFunction();
    }

    @AfterAll
    void stop() {
        try {
            function.close();
            kinesis.close();
        } finally {
            kinesisMock.close();
        }
    }

    @Test
    void theFinalInvocationsOfTheWindowsCarryEveryRecord() throws Exception {
        kinesis.createStream(r -> r.streamName("window-stream").shardCount(1));
        await().atMost(Duration.ofSeconds(60)).until(() -> kinesis.describeStreamSummary(r -> r
                .streamName("window-stream")).streamDescriptionSummary().streamStatus() == StreamStatus.ACTIVE);
        String streamArn = kinesis.describeStreamSummary(r -> r.streamName("window-stream"))
                .streamDescriptionSummary().streamARN();
        Path config = directory.resolve("mappings.yaml");
        Files.writeString(config, """
                Endpoints:
                  kinesis: %s
                EventSourceMappings:
                  - EventSourceArn: %s
                    FunctionName: %s
                    StartingPosition: TRIM_HORIZON
                    TumblingWindowInSeconds: 2
                    BatchSize: 2
                """.formatted(kinesisMock.endpoint(), streamArn, function.url()));
        for (int i = 0; i < RECORDS; i++) {
            int n = i;
            kinesis.putRecord(r -> r.streamName("window-stream").partitionKey("k")
                    .data(SdkBytes.fromUtf8String("{\"n\":" + n + "}")));
        }
        try (Worker worker = Worker.start(WorkerOptions.defaults().withConfigFile(config).withDataDirectory(directory)
                .withListen("127.0.0.1", 0).withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS))) {
            await().atMost(Duration.ofSeconds(120)).until(() -> function.finalCount() == RECORDS);

            JsonNode first = function.events.getFirst();
            assertThat(first.path("Records").get(0).path("kinesis").path("partitionKey").asText()).isEqualTo("k");
            assertThat(first.path("shardId").asText()).startsWith("shardId-");
            assertThat(first.path("eventSourceARN").asText()).isEqualTo(streamArn);
            assertThat(Duration.between(Instant.parse(first.path("window").path("start").asText()),
                    Instant.parse(first.path("window").path("end").asText()))).hasSeconds(2);
            assertThat(function.events).filteredOn(event -> !event.path("isFinalInvokeForWindow").asBoolean())
                    .allSatisfy(event -> assertThat(event.path("Records").size()).isBetween(1, 2));
        }
    }
}
