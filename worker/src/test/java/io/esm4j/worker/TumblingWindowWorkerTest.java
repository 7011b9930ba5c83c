package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbTimeWindowEvent;
import com.amazonaws.services.lambda.runtime.events.TimeWindowEventResponse;
import com.fasterxml.jackson.databind.JsonNode;
import io.esm4j.dynamodbstreams.wire.DynamoDbStreamsWireServer;
import io.esm4j.dynamodbstreams.wire.TestTable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * TumblingWindowInSeconds on DynamoDB Streams mappings from a worker file, in the worker's JVM, against
 * source-dynamodb's in-process DynamoDB Streams endpoint: an HTTP function and a Java handler count the records of
 * each window in its state, and the final invocation of every window carries the count, so the counts of all final
 * invocations add up to the records written.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TumblingWindowWorkerTest {

    private static final int RECORDS = 6;
    static final List<DynamodbTimeWindowEvent> JAVA_EVENTS = new CopyOnWriteArrayList<>();

    private DynamoDbStreamsWireServer streams;
    private WindowCountingFunction function;
    @TempDir
    Path directory;

    /** The Java target: counts the window's records in its state, as a Lambda function would. */
    public static final class CountingHandler
            implements RequestHandler<DynamodbTimeWindowEvent, TimeWindowEventResponse> {
        @Override
        public TimeWindowEventResponse handleRequest(DynamodbTimeWindowEvent event, Context context) {
            JAVA_EVENTS.add(event);
            int count = Integer.parseInt(event.getState().getOrDefault("count", "0")) + event.getRecords().size();
            return TimeWindowEventResponse.builder().withState(Map.of("count", Integer.toString(count)))
                    .withBatchItemFailures(List.of()).build();
        }
    }

    @BeforeAll
    void start() throws Exception {
        streams = DynamoDbStreamsWireServer.start();
        function = new WindowCountingFunction();
    }

    @AfterAll
    void stop() {
        try {
            function.close();
        } finally {
            streams.close();
        }
    }

    @Test
    void windowsCarryTheirStateToTheFinalInvocation() throws Exception {
        TestTable table = streams.createTable("window-orders", "pk", null, TestTable.ViewType.NEW_IMAGE, 1);
        String workerFile = InProcessWorker.dynamoDbStreamsFile(streams.endpoint(), CountingHandler.class, """
                - EventSourceArn: %s
                  FunctionName: %s
                  StartingPosition: TRIM_HORIZON
                  TumblingWindowInSeconds: 2
                  BatchSize: 2
                - EventSourceArn: %1$s
                  FunctionName: java-fn
                  StartingPosition: TRIM_HORIZON
                  TumblingWindowInSeconds: 2
                  BatchSize: 2
                """.formatted(table.streamArn(), function.url()));
        for (int i = 0; i < RECORDS; i++) {
            table.put("{\"pk\":{\"S\":\"o-" + i + "\"}}");
        }
        try (Worker worker = InProcessWorker.start(directory, workerFile)) {
            await().atMost(Duration.ofSeconds(120)).until(() -> function.finalCount() == RECORDS
                    && JAVA_EVENTS.stream().filter(DynamodbTimeWindowEvent::getIsFinalInvokeForWindow)
                    .mapToInt(event -> Integer.parseInt(event.getState().get("count"))).sum() == RECORDS);

            List<JsonNode> events = function.events;
            JsonNode first = events.getFirst();
            assertThat(first.path("Records").size()).isBetween(1, 2);
            assertThat(first.path("state").isObject()).isTrue();
            assertThat(first.path("shardId").asText()).isNotBlank();
            assertThat(first.path("eventSourceARN").asText()).isEqualTo(table.streamArn());
            assertThat(Duration.between(java.time.Instant.parse(first.path("window").path("start").asText()),
                    java.time.Instant.parse(first.path("window").path("end").asText()))).hasSeconds(2);
            assertThat(first.path("isWindowTerminatedEarly").isBoolean()).isTrue();
            assertThat(events).filteredOn(event -> event.path("isFinalInvokeForWindow").asBoolean())
                    .allSatisfy(event -> {
                        assertThat(event.path("Records")).isEmpty();
                        assertThat(event.path("state").path("count").isNumber()).isTrue();
                    });
            assertThat(JAVA_EVENTS.getFirst().getWindow().getStart()).isNotBlank();
            assertThat(JAVA_EVENTS.getFirst().getEventSourceArn()).isEqualTo(table.streamArn());
        }
    }
}
