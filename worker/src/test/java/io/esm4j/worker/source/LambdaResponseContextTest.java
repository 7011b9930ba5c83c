package io.esm4j.worker.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.esm4j.EventSourceMapping;
import io.esm4j.failure.FailureRecord;
import io.esm4j.failure.FailureRecord.ResponseContext;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchHandler;
import io.esm4j.kinesis.KinesisRecord;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.settings.HandlerThreads;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.worker.invoke.LambdaInvokeTarget;
import io.esm4j.worker.invoke.TargetLimits;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A Kinesis mapping whose function is {@code my-fn:live}, invoked through Lambda's Invoke API (a stand-in on
 * loopback that answers as Lambda does for an alias resolved to version 7): the failure record's
 * {@code responseContext} shows what the Invoke response said, the executed version included, for a function error
 * and for batch item failures.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LambdaResponseContextTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HttpServer lambda;
    private final HttpClient http = HttpClient.newHttpClient();
    /** The stand-in's answer: status, headers and body. */
    private volatile Answer answer;

    private record Answer(int status, Map<String, String> headers, String body) {}

    @BeforeAll
    void start() throws IOException {
        lambda = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        lambda.createContext("/", this::answer);
        lambda.start();
    }

    @AfterAll
    void stop() {
        lambda.stop(0);
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            Answer now = answer;
            byte[] body = now.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("x-amzn-RequestId", "5e8a7bd1-0000-4000-8000-000000000001");
            now.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            exchange.sendResponseHeaders(now.status(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private LambdaInvokeTarget target() {
        return new LambdaInvokeTarget(http, URI.create("http://127.0.0.1:" + lambda.getAddress().getPort()),
                "my-fn:live", Duration.ofSeconds(5), null, "us-east-1");
    }

    /**
     * Runs three records through the worker's Kinesis handler for the Lambda target, without retries, and returns the
     * one failure record. The in-memory stream's records are handed over as the Kinesis records they stand for.
     */
    private FailureRecord givenUp(String name) throws Exception {
        return givenUp(name, 0);
    }

    /** As above, with tumbling windows of {@code windowSeconds} (0: none). */
    private FailureRecord givenUp(String name, int windowSeconds) throws Exception {
        InMemoryStream stream = InMemoryStream.create(name, 1);
        for (int i = 0; i < 3; i++) {
            stream.put("pk", "r" + i);
        }
        BatchHandler<StreamRecord<KinesisRecord>> kinesis = new KinesisSourceFactory()
                .handler(new MappingTarget(target(), new TargetLimits("my-fn", 1, Duration.ofSeconds(5),
                        HandlerThreads.VIRTUAL), "arn:f"));
        BatchHandler<StreamRecord<byte[]>> handler = batch -> kinesis.handle(asKinesis(batch));
        List<FailureRecord> received = new CopyOnWriteArrayList<>();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(name, stream, handler)
                .settings(StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON)
                        .maximumRetryAttempts(0).reportBatchItemFailures(true)
                        .retryBackoff(Duration.ofMillis(1), Duration.ofMillis(5)).idlePollInterval(Duration.ofMillis(5))
                        .checkpointInterval(Duration.ZERO).tumblingWindowInSeconds(windowSeconds).build())
                .leaseStore(new InMemoryLeaseStore()).onFailure(received::add).build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> !received.isEmpty());
        } finally {
            mapping.stop(Duration.ofSeconds(10));
        }
        assertThat(received).hasSize(1);
        return received.getFirst();
    }

    private static Batch<StreamRecord<KinesisRecord>> asKinesis(Batch<StreamRecord<byte[]>> batch) {
        List<StreamRecord<KinesisRecord>> records = batch.records().stream().map(record -> new StreamRecord<>(
                record.shardId(), record.sequenceNumber(), record.partitionKey(), record.approximateArrivalTimestamp(),
                record.sizeBytes(), KinesisRecord.of(record.shardId(), KinesisRecord.Kinesis.of(record.partitionKey(),
                        record.sequenceNumber(), record.payload(), record.approximateArrivalTimestamp(), null),
                        "arn:aws:iam::123456789012:role/esm4j", "us-east-1", batch.eventSourceArn()))).toList();
        return new Batch<>(records, batch.partition(), batch.eventSourceArn(), batch.approximateInvokeCount(),
                batch.window());
    }

    @Test
    void aFunctionErrorOfTheVersionAnAliasRanShowsThatVersion() throws Exception {
        answer = new Answer(200, Map.of("X-Amz-Executed-Version", "7", "X-Amz-Function-Error", "Unhandled"),
                "{\"errorType\":\"Error\",\"errorMessage\":\"boom\"}");

        FailureRecord failure = givenUp("versioned-error");

        assertThat(failure.responseContext()).isEqualTo(new ResponseContext(200, "7", "Unhandled"));
        JsonNode response = JSON.readTree(failure.toJson()).get("responseContext");
        assertThat(response.get("statusCode").asInt()).isEqualTo(200);
        assertThat(response.get("executedVersion").asText()).isEqualTo("7");
        assertThat(response.get("functionError").asText()).isEqualTo("Unhandled");
    }

    @Test
    void itemFailuresOfTheVersionAnAliasRanShowThatVersionAndNoFunctionError() throws Exception {
        // The second record's sequence number: the in-memory stream numbers them from 0, padded to 20 digits.
        InMemoryStream probe = InMemoryStream.create("probe", 1);
        probe.put("pk", "r0");
        String second = probe.put("pk", "r1").sequenceNumber();
        answer = new Answer(200, Map.of("X-Amz-Executed-Version", "7"),
                "{\"batchItemFailures\":[{\"itemIdentifier\":\"" + second + "\"}]}");

        FailureRecord failure = givenUp("versioned-items");

        assertThat(failure.responseContext()).isEqualTo(new ResponseContext(200, "7", null));
        assertThat(failure.records()).hasSize(2);
        JsonNode response = JSON.readTree(failure.toJson()).get("responseContext");
        assertThat(response.get("executedVersion").asText()).isEqualTo("7");
        assertThat(response.get("functionError").isNull()).isTrue();
    }

    @Test
    void withoutAnExecutedVersionHeaderTheVersionIsLatest() throws Exception {
        answer = new Answer(200, Map.of("X-Amz-Function-Error", "Handled"), "{\"errorMessage\":\"boom\"}");

        FailureRecord failure = givenUp("unversioned-error");

        assertThat(failure.responseContext()).isEqualTo(new ResponseContext(200, "$LATEST", "Handled"));
    }

    /**
     * A response that fails the whole batch though the function ran and answered (not JSON, an id of no record of the
     * batch, a window response without state): the failure record shows the Invoke response's status and executed
     * version, and no function error, since the function reported none.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"not JSON", "unknown id", "window without state"})
    void aResponseThatFailsTheWholeBatchShowsTheVersionThatRanAndNoFunctionError(String kind) throws Exception {
        answer = new Answer(200, Map.of("X-Amz-Executed-Version", "7"), switch (kind) {
            case "not JSON" -> "{\"batchItemFailures\":[";
            case "unknown id" -> "{\"batchItemFailures\":[{\"itemIdentifier\":\"no-such-record\"}]}";
            default -> "{}";
        });

        FailureRecord failure = givenUp("whole-" + kind.replace(' ', '-'), kind.startsWith("window") ? 60 : 0);

        assertThat(failure.responseContext()).isEqualTo(new ResponseContext(200, "7", null));
        assertThat(failure.records()).hasSize(3);
    }
}
