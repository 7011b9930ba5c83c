package io.esm4j.worker.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.KinesisTimeWindowEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.TimeWindowEventResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchResult;
import io.esm4j.handler.TimeWindow;
import io.esm4j.kinesis.KinesisRecord;
import io.esm4j.settings.HandlerThreads;
import io.esm4j.stream.StreamRecord;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.invoke.Invoker;
import io.esm4j.worker.invoke.TargetLimits;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Lambda's tumbling-window protocol between the worker and its functions, on a Kinesis mapping's handler: the window
 * event of an HTTP/Lambda target and of a Java handler, and the state in the responses.
 */
class TumblingWindowsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks";
    private static final Instant ARRIVAL = Instant.parse("2026-12-05T10:00:03.250Z");

    private static Batch<StreamRecord<KinesisRecord>> batch(TimeWindow window) {
        KinesisRecord record = KinesisRecord.of("shardId-000000000001", KinesisRecord.Kinesis.of("pk", "49590338271",
                "{\"n\":1}".getBytes(StandardCharsets.UTF_8), ARRIVAL, null), "arn:aws:iam::123456789012:role/r",
                "us-east-1", ARN);
        return new Batch<>(List.of(new StreamRecord<>("shardId-000000000001", "49590338271", "pk", ARRIVAL, 7,
                record)), "shardId-000000000001", ARN, 1, window);
    }

    private static TimeWindow window(Map<String, String> state, boolean isFinal) {
        return new TimeWindow(Instant.parse("2026-12-05T10:00:00Z"), Instant.parse("2026-12-05T10:00:30Z"), state,
                isFinal, false);
    }

    private static MappingTarget target(Invoker invoker) {
        return new MappingTarget(invoker, new TargetLimits("f", 1, Duration.ofSeconds(5), HandlerThreads.VIRTUAL),
                "arn:f");
    }

    private static Invoker.Java java(RequestHandler<?, ?> handler, String name) {
        return new Invoker.Java(handler, name, "arn:aws:lambda:us-east-1:000000000000:function:" + name,
                Duration.ofSeconds(5));
    }

    @Test
    void anHttpTargetGetsLambdasWindowEventAndItsStateComesBackAsJson() throws Exception {
        AtomicReference<String> sent = new AtomicReference<>();
        Invoker.Json function = event -> {
            sent.set(event);
            return Invoker.Response.of(
                    "{\"state\": {\"count\": 3, \"keys\": [\"pk\"], \"label\": \"a\"}, \"batchItemFailures\": []}");
        };

        BatchResult result = new KinesisSourceFactory().handler(target(function)).handle(batch(window(
                Map.of("count", "2", "label", "\"a\""), false)));

        JsonNode event = JSON.readTree(sent.get());
        assertThat(event.path("Records")).hasSize(1);
        assertThat(event.path("Records").get(0).path("kinesis").path("approximateArrivalTimestamp").decimalValue())
                .isEqualByComparingTo("1796464803.250");
        assertThat(event.path("window").path("start").asText()).isEqualTo("2026-12-05T10:00:00Z");
        assertThat(event.path("window").path("end").asText()).isEqualTo("2026-12-05T10:00:30Z");
        assertThat(event.path("state").path("count").isNumber()).isTrue();
        assertThat(event.path("state").path("count").asInt()).isEqualTo(2);
        assertThat(event.path("state").path("label").asText()).isEqualTo("a");
        assertThat(event.path("shardId").asText()).isEqualTo("shardId-000000000001");
        assertThat(event.path("eventSourceARN").asText()).isEqualTo(ARN);
        assertThat(event.path("isFinalInvokeForWindow").asBoolean()).isFalse();
        assertThat(event.path("isWindowTerminatedEarly").isBoolean()).isTrue();
        assertThat(result).isEqualTo(BatchResult.state(Map.of("count", "3", "keys", "[\"pk\"]", "label", "\"a\""),
                List.of()));
    }

    @Test
    void withoutAWindowTheEventAndResponseAreThePlainOnes() throws Exception {
        AtomicReference<String> sent = new AtomicReference<>();
        BatchResult result = new KinesisSourceFactory().handler(target((Invoker.Json) event -> {
            sent.set(event);
            return Invoker.Response.of("");
        })).handle(batch(null));

        assertThat(JSON.readTree(sent.get()).has("window")).isFalse();
        assertThat(result).isEqualTo(BatchResult.success());
    }

    @Test
    void theWindowIsCheckedAsTheLibraryChecksIt() throws Exception {
        KinesisSourceFactory factory = new KinesisSourceFactory();
        factory.validate(spec("\"TumblingWindowInSeconds\": 900"));

        assertThatThrownBy(() -> factory.validate(spec("\"TumblingWindowInSeconds\": 901")))
                .hasMessageContaining("TumblingWindowInSeconds").hasMessageContaining("901");
        assertThatThrownBy(() -> new DynamoDbStreamsSourceFactory().validate(MappingSpec.of(JSON.readTree(
                "{\"EventSourceArn\": \"arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026\", "
                        + "\"FunctionName\": \"f\", \"StartingPosition\": \"LATEST\", "
                        + "\"TumblingWindowInSeconds\": 60, \"ParallelizationFactor\": 2}"), "")))
                .hasMessageContaining("ParallelizationFactor").hasMessageContaining("TumblingWindowInSeconds");
    }

    private static MappingSpec spec(String field) throws Exception {
        return MappingSpec.of(JSON.readTree("{\"EventSourceArn\": \"" + ARN + "\", \"FunctionName\": \"f\", "
                + "\"StartingPosition\": \"LATEST\", " + field + "}"), "");
    }

    /** A Java handler of a windowed Kinesis mapping, as on Lambda. */
    static final class CountingHandler implements RequestHandler<KinesisTimeWindowEvent, TimeWindowEventResponse> {
        static final AtomicReference<KinesisTimeWindowEvent> SEEN = new AtomicReference<>();

        @Override
        public TimeWindowEventResponse handleRequest(KinesisTimeWindowEvent event, Context context) {
            SEEN.set(event);
            int count = Integer.parseInt(event.getState().getOrDefault("count", "0")) + event.getRecords().size();
            return TimeWindowEventResponse.builder().withState(Map.of("count", Integer.toString(count)))
                    .withBatchItemFailures(List.of()).build();
        }
    }

    @Test
    void aJavaHandlerGetsKinesisTimeWindowEventAndAnswersTimeWindowEventResponse() throws Exception {
        BatchResult result = new KinesisSourceFactory().handler(target(java(new CountingHandler(), "counting")))
                .handle(batch(window(Map.of("count", "4"), true)));

        KinesisTimeWindowEvent event = CountingHandler.SEEN.get();
        assertThat(event.getRecords()).singleElement().satisfies(record ->
                assertThat(record.getKinesis().getPartitionKey()).isEqualTo("pk"));
        assertThat(event.getWindow().getStart()).isEqualTo("2026-12-05T10:00:00Z");
        assertThat(event.getWindow().getEnd()).isEqualTo("2026-12-05T10:00:30Z");
        assertThat(event.getState()).containsEntry("count", "4");
        assertThat(event.getShardId()).isEqualTo("shardId-000000000001");
        assertThat(event.getEventSourceArn()).isEqualTo(ARN);
        assertThat(event.getIsFinalInvokeForWindow()).isTrue();
        assertThat(event.getIsWindowTerminatedEarly()).isFalse();
        assertThat(result).isEqualTo(BatchResult.state(Map.of("count", "5"), List.of()));
    }

    @Test
    void aJavaHandlerOfAWindowedMappingMustAnswerWithState() {
        RequestHandler<KinesisTimeWindowEvent, StreamsEventResponse> wrong = (event, context) ->
                StreamsEventResponse.builder().withBatchItemFailures(List.of()).build();

        assertThatThrownBy(() -> new KinesisSourceFactory().handler(target(java(wrong, "wrong")))
                .handle(batch(window(Map.of(), false))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("TumblingWindowInSeconds").hasMessageContaining("TimeWindowEventResponse");
    }
    /**
     * A Java handler that adds to the state it was given and answers with it, as handlers written for Lambda do: the
     * runtime gives them a map of their own (Jackson's), so changing it is how they aggregate.
     */
    static final class StateChangingHandler
            implements RequestHandler<KinesisTimeWindowEvent, TimeWindowEventResponse> {

        @Override
        public TimeWindowEventResponse handleRequest(KinesisTimeWindowEvent event, Context context) {
            Map<String, String> state = event.getState();
            state.merge("count", Integer.toString(event.getRecords().size()),
                    (a, b) -> Integer.toString(Integer.parseInt(a) + Integer.parseInt(b)));
            return TimeWindowEventResponse.builder().withState(state).withBatchItemFailures(List.of()).build();
        }
    }

    @Test
    void aJavaHandlerMayChangeTheStateItIsGivenAndAnswerWithIt() throws Exception {
        Map<String, String> previous = Map.of("count", "4");
        io.esm4j.handler.BatchHandler<StreamRecord<KinesisRecord>> handler = new KinesisSourceFactory()
                .handler(target(java(new StateChangingHandler(), "changing")));

        assertThat(handler.handle(batch(window(Map.of(), false))))
                .isEqualTo(BatchResult.state(Map.of("count", "1"), List.of()));
        assertThat(handler.handle(batch(window(previous, false))))
                .isEqualTo(BatchResult.state(Map.of("count", "5"), List.of()));
        assertThat(previous).containsExactly(Map.entry("count", "4"));
    }
}
