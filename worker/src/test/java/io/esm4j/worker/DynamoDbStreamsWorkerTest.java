package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.esm4j.dynamodbstreams.wire.DynamoDbStreamsWireServer;
import io.esm4j.dynamodbstreams.wire.TestTable;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * DynamoDB Streams mappings from a worker file, in the worker's own JVM, against source-dynamodb's DynamoDB Streams
 * wire endpoint (127.0.0.1, free port, reached through the file's {@code dynamodbstreams} endpoint): an HTTP function
 * receives Lambda's DynamoDB event and a Java handler aws-lambda-java-events' {@code DynamodbEvent}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DynamoDbStreamsWorkerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final List<DynamodbEvent.DynamodbStreamRecord> HANDLED = new CopyOnWriteArrayList<>();

    private DynamoDbStreamsWireServer streams;
    private HttpServer function;
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    @TempDir
    Path directory;

    /** The Java target: records what the adapter hands it. */
    public static final class RecordingDynamoDbHandler implements RequestHandler<DynamodbEvent, StreamsEventResponse> {
        @Override
        public StreamsEventResponse handleRequest(DynamodbEvent event, Context context) {
            HANDLED.addAll(event.getRecords());
            return StreamsEventResponse.builder().withBatchItemFailures(List.of()).build();
        }
    }

    @BeforeAll
    void start() throws Exception {
        streams = DynamoDbStreamsWireServer.start();
        function = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        function.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        function.createContext("/fn", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                events.add(JSON.readTree(in));
                exchange.sendResponseHeaders(200, -1);
            }
        });
        function.start();
    }

    @AfterAll
    void stop() {
        try {
            function.stop(0);
        } finally {
            streams.close();
        }
    }

    @Test
    void changesReachAnHttpFunctionAsLambdasEventAndAJavaHandlerAsDynamodbEvent() throws Exception {
        TestTable table = streams.createTable("orders", "pk", null, TestTable.ViewType.NEW_AND_OLD_IMAGES, 1);
        String workerFile = InProcessWorker.dynamoDbStreamsFile(streams.endpoint(), RecordingDynamoDbHandler.class, """
                - EventSourceArn: %s
                  FunctionName: http://127.0.0.1:%d/fn
                  StartingPosition: TRIM_HORIZON
                - EventSourceArn: %1$s
                  FunctionName: java-fn
                  StartingPosition: TRIM_HORIZON
                  FilterCriteria:
                    Filters:
                      - Pattern: '{"eventName":["MODIFY"]}'
                """.formatted(table.streamArn(), function.getAddress().getPort()));
        table.put("{\"pk\":{\"S\":\"o-1\"},\"status\":{\"S\":\"new\"}}");
        table.put("{\"pk\":{\"S\":\"o-1\"},\"status\":{\"S\":\"paid\"}}");
        try (Worker worker = InProcessWorker.start(directory, workerFile)) {
            List<JsonNode> records = new CopyOnWriteArrayList<>();
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                records.clear();
                events.forEach(event -> event.path("Records").forEach(records::add));
                return records.size() >= 2 && !HANDLED.isEmpty();
            });
            assertThat(records).extracting(r -> r.path("eventName").asText()).containsExactly("INSERT", "MODIFY");
            JsonNode modify = records.get(1);
            assertThat(modify.path("eventSource").asText()).isEqualTo("aws:dynamodb");
            assertThat(modify.path("eventSourceARN").asText()).isEqualTo(table.streamArn());
            assertThat(modify.path("dynamodb").path("NewImage").path("status").path("S").asText()).isEqualTo("paid");
            assertThat(modify.path("dynamodb").path("OldImage").path("status").path("S").asText()).isEqualTo("new");

            assertThat(HANDLED).hasSize(1);
            DynamodbEvent.DynamodbStreamRecord handled = HANDLED.getFirst();
            assertThat(handled.getEventName()).isEqualTo("MODIFY");
            assertThat(handled.getDynamodb().getNewImage().get("status").getS()).isEqualTo("paid");
        }
    }
}
