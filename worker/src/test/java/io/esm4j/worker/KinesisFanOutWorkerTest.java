package io.esm4j.worker;

import static org.awaitility.Awaitility.await;

import io.esm4j.kinesis.TestStreams;
import io.esm4j.testsupport.RequiresNode;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fan-out mapping on more shards than the SDK's HTTP client allows concurrent requests by default (50): every
 * shard holds a subscription for minutes, so the worker's client must allow one per shard.
 */
@RequiresNode
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KinesisFanOutWorkerTest {

    private static final int SHARDS = 60;
    private static final int RECORDS = 600;

    private KinesisMock kinesisMock;
    private RecordingFunction function;
    @TempDir
    Path directory;

    @BeforeAll
    void start() throws Exception {
        kinesisMock = new KinesisMock();
        function = new RecordingFunction();
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
    void everyShardOfAWideStreamIsReadAtOnce() throws Exception {
        String streamArn = kinesisMock.activeStream("wide-stream", SHARDS);
        String consumerArn = kinesisMock.activeConsumer(streamArn, "wide-worker");
        TestStreams.putNumbered(kinesisMock.kinesis, "wide-stream", 0, RECORDS, RECORDS);
        String workerFile = """
                Endpoints:
                  kinesis: %s
                EventSourceMappings:
                  - EventSourceArn: %s
                    FunctionName: %s
                    StartingPosition: TRIM_HORIZON
                """.formatted(kinesisMock.endpoint(), consumerArn, function.url());
        try (Worker worker = InProcessWorker.start(directory, workerFile)) {
            // Only a bound for a hang: with the SDK's default of 50 concurrent requests this takes minutes.
            await().atMost(Duration.ofSeconds(90)).until(() -> function.distinct.size() == RECORDS);
        }
    }
}
