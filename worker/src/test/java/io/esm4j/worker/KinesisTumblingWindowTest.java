package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.esm4j.testsupport.RequiresNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;

/**
 * TumblingWindowInSeconds on a Kinesis mapping from a worker file, against kinesis-mock: the HTTP function counts each
 * window's records in its state, and the final invocations of the windows carry all the records put.
 */
@RequiresNode
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KinesisTumblingWindowTest {

    private static final int RECORDS = 5;

    private KinesisMock kinesisMock;
    private WindowCountingFunction function;
    @TempDir
    Path directory;

    @BeforeAll
    void start() throws Exception {
        kinesisMock = new KinesisMock();
        function = new WindowCountingFunction();
    }

    @AfterAll
    void stop() {
        try {
            function.close();
        } finally {
            kinesisMock.close();
        }
    }

    @Test
    void theFinalInvocationsOfTheWindowsCarryEveryRecord() throws Exception {
        String streamArn = kinesisMock.activeStream("window-stream", 1);
        String workerFile = """
                Endpoints:
                  kinesis: %s
                EventSourceMappings:
                  - EventSourceArn: %s
                    FunctionName: %s
                    StartingPosition: TRIM_HORIZON
                    TumblingWindowInSeconds: 2
                    BatchSize: 2
                """.formatted(kinesisMock.endpoint(), streamArn, function.url());
        for (int i = 0; i < RECORDS; i++) {
            int n = i;
            kinesisMock.kinesis.putRecord(r -> r.streamName("window-stream").partitionKey("k")
                    .data(SdkBytes.fromUtf8String("{\"n\":" + n + "}")));
        }
        try (Worker worker = InProcessWorker.start(directory, workerFile)) {
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
