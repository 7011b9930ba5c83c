package io.esm4j.dynamodbstreams;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.DynamodbTimeWindowEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.TimeWindowEventResponse;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchResult;
import io.esm4j.handler.TimeWindow;
import io.esm4j.stream.StreamRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The adapter's two halves: the batch as a {@link DynamodbEvent}, and the response as a batch result. */
class DynamoDbLambdaAdapterTest {

    @Test
    void everyAttributeTypeReachesTheEventModel() {
        Map<String, AttributeValue> image = Map.of(
                "s", AttributeValue.fromS("x"), "n", AttributeValue.fromN("1"),
                "b", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {7})),
                "bool", AttributeValue.fromBool(false), "nul", AttributeValue.fromNul(true),
                "ss", AttributeValue.fromSs(List.of("a")), "ns", AttributeValue.fromNs(List.of("2")),
                "bs", AttributeValue.fromBs(List.of(SdkBytes.fromByteArray(new byte[] {8}))),
                "m", AttributeValue.fromM(Map.of("k", AttributeValue.fromS("v"))),
                "l", AttributeValue.fromL(List.of(AttributeValue.fromN("3"))));
        DynamoDbRecord record = new DynamoDbRecord("e", "INSERT", "1.1", "aws:dynamodb", "eu-west-1",
                new DynamoDbRecord.Dynamodb(Instant.ofEpochSecond(5), Map.of("s", AttributeValue.fromS("x")), image,
                        null, "101", 9, "NEW_IMAGE"), "arn", null);
        DynamodbEvent event = DynamoDbLambdaAdapter.toEvent(new Batch<>(List.of(new StreamRecord<>("shard", "101",
                "k", Instant.ofEpochSecond(5), 1, record)), "shard", "arn", 1));

        DynamodbEvent.DynamodbStreamRecord converted = event.getRecords().getFirst();
        var values = converted.getDynamodb().getNewImage();
        assertThat(values.get("s").getS()).isEqualTo("x");
        assertThat(values.get("n").getN()).isEqualTo("1");
        assertThat(values.get("b").getB().get(0)).isEqualTo((byte) 7);
        assertThat(values.get("bool").getBOOL()).isFalse();
        assertThat(values.get("nul").getNULL()).isTrue();
        assertThat(values.get("ss").getSS()).containsExactly("a");
        assertThat(values.get("ns").getNS()).containsExactly("2");
        assertThat(values.get("bs").getBS().getFirst().get(0)).isEqualTo((byte) 8);
        assertThat(values.get("m").getM().get("k").getS()).isEqualTo("v");
        assertThat(values.get("l").getL().getFirst().getN()).isEqualTo("3");
        assertThat(converted.getDynamodb().getOldImage()).isNull();
        assertThat(converted.getDynamodb().getApproximateCreationDateTime()).isEqualTo(java.util.Date.from(
                Instant.ofEpochSecond(5)));
        assertThat(converted.getDynamodb().getSizeBytes()).isEqualTo(9L);
        assertThat(converted.getAwsRegion()).isEqualTo("eu-west-1");
    }

    /**
     * Lambda's runtime hands a handler heap buffers and plain lists, fresh for each invocation: handlers call
     * {@code getB().array()} and sort or add to lists in place. Doing so must work, and must not change the record
     * that a retry hands out again.
     */
    @Test
    void binariesAndListsAreTheHandlersOwnModifiableCopiesAsInLambda() {
        Map<String, AttributeValue> image = Map.of(
                "b", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {1, 2})),
                "bs", AttributeValue.fromBs(List.of(SdkBytes.fromByteArray(new byte[] {3}))),
                "ss", AttributeValue.fromSs(List.of("b", "a")),
                "ns", AttributeValue.fromNs(List.of("2", "1")),
                "l", AttributeValue.fromL(List.of(AttributeValue.fromN("3"))));
        DynamoDbRecord record = new DynamoDbRecord("e", "INSERT", "1.1", "aws:dynamodb", "eu-west-1",
                new DynamoDbRecord.Dynamodb(Instant.ofEpochSecond(5), Map.of("s", AttributeValue.fromS("x")), image,
                        null, "101", 9, "NEW_IMAGE"), "arn", null);
        Batch<StreamRecord<DynamoDbRecord>> batch = new Batch<>(List.of(new StreamRecord<>("shard", "101", "k",
                Instant.ofEpochSecond(5), 1, record)), "shard", "arn", 1);

        var values = DynamoDbLambdaAdapter.toEvent(batch).getRecords().getFirst().getDynamodb().getNewImage();
        byte[] bytes = values.get("b").getB().array();
        assertThat(bytes).containsExactly(1, 2);
        bytes[0] = 9;
        values.get("bs").getBS().getFirst().array()[0] = 9;
        java.util.Collections.sort(values.get("ss").getSS());
        assertThat(values.get("ss").getSS()).containsExactly("a", "b");
        java.util.Collections.sort(values.get("ns").getNS());
        values.get("l").getL().add(new com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue());
        values.get("bs").getBS().clear();

        var again = DynamoDbLambdaAdapter.toEvent(batch).getRecords().getFirst().getDynamodb().getNewImage();
        assertThat(again.get("b").getB().array()).containsExactly(1, 2);
        assertThat(again.get("bs").getBS()).singleElement().satisfies(b -> assertThat(b.get(0)).isEqualTo((byte) 3));
        assertThat(again.get("ss").getSS()).containsExactly("b", "a");
        assertThat(again.get("l").getL()).hasSize(1);
        assertThat(image.get("b").b().asByteArray()).containsExactly(1, 2);
    }

    @Test
    void responsesBecomeBatchResultsAsLambdaReadsThem() {
        assertThat(DynamoDbLambdaAdapter.toResult(null)).isEqualTo(BatchResult.success());
        assertThat(DynamoDbLambdaAdapter.toResult(new StreamsEventResponse())).isEqualTo(BatchResult.success());
        List<StreamsEventResponse.BatchItemFailure> failures = new ArrayList<>(Arrays.asList(
                StreamsEventResponse.BatchItemFailure.builder().withItemIdentifier("101").build(), null));
        BatchResult result = DynamoDbLambdaAdapter.toResult(StreamsEventResponse.builder()
                .withBatchItemFailures(failures).build());
        assertThat(result).isInstanceOf(BatchResult.ItemFailures.class);
        assertThat(((BatchResult.ItemFailures) result).itemIdentifiers()).containsExactly("101", null);
    }

    /**
     * Tumbling windows: a handler written for Lambda gets a DynamodbTimeWindowEvent with a state map of its own, adds
     * to it and answers with it in a TimeWindowEventResponse.
     */
    @Test
    void aWindowHandlerGetsDynamodbTimeWindowEventAndAnswersWithState() throws Exception {
        DynamoDbRecord record = new DynamoDbRecord("e", "INSERT", "1.1", "aws:dynamodb", "eu-west-1",
                new DynamoDbRecord.Dynamodb(Instant.ofEpochSecond(5), Map.of("s", AttributeValue.fromS("x")), null,
                        null, "101", 9, "KEYS_ONLY"), "arn", null);
        Map<String, String> previous = Map.of("count", "4");
        Batch<StreamRecord<DynamoDbRecord>> batch = new Batch<>(List.of(new StreamRecord<>("shard", "101", "k",
                Instant.ofEpochSecond(5), 1, record)), "shard", "arn", 1, new TimeWindow(Instant.ofEpochSecond(0),
                Instant.ofEpochSecond(60), previous, false, false));
        AtomicReference<DynamodbTimeWindowEvent> seen = new AtomicReference<>();

        BatchResult result = DynamoDbLambdaAdapter.ofTimeWindow(event -> {
            seen.set(event);
            event.getState().merge("count", Integer.toString(event.getRecords().size()),
                    (a, b) -> Integer.toString(Integer.parseInt(a) + Integer.parseInt(b)));
            return TimeWindowEventResponse.builder().withState(event.getState()).withBatchItemFailures(List.of(
                    TimeWindowEventResponse.BatchItemFailure.builder().withItemIdentifier("101").build())).build();
        }).handle(batch);

        DynamodbTimeWindowEvent event = seen.get();
        assertThat(event.getRecords()).singleElement().satisfies(r ->
                assertThat(r.getDynamodb().getSequenceNumber()).isEqualTo("101"));
        assertThat(event.getWindow().getStart()).isEqualTo("1970-01-01T00:00:00Z");
        assertThat(event.getWindow().getEnd()).isEqualTo("1970-01-01T00:01:00Z");
        assertThat(event.getShardId()).isEqualTo("shard");
        assertThat(event.getEventSourceArn()).isEqualTo("arn");
        assertThat(event.getIsFinalInvokeForWindow()).isFalse();
        assertThat(event.getIsWindowTerminatedEarly()).isFalse();
        assertThat(result).isEqualTo(BatchResult.state(Map.of("count", "5"), List.of("101")));
        assertThat(previous).containsExactly(Map.entry("count", "4"));
        assertThat(DynamoDbLambdaAdapter.ofTimeWindow(e -> null).handle(batch)).isEqualTo(BatchResult.state(null));
    }

    @Test
    void aBatchOfAWindowIsWrittenAsLambdasWindowEvent() throws Exception {
        DynamoDbRecord record = new DynamoDbRecord("e", "INSERT", "1.1", "aws:dynamodb", "eu-west-1",
                new DynamoDbRecord.Dynamodb(Instant.ofEpochSecond(5), Map.of("s", AttributeValue.fromS("x")), null,
                        null, "101", 9, "KEYS_ONLY"), "arn", null);
        Batch<StreamRecord<DynamoDbRecord>> batch = new Batch<>(List.of(new StreamRecord<>("shard", "101", "k",
                Instant.ofEpochSecond(5), 1, record)), "shard", "arn", 1, new TimeWindow(Instant.ofEpochSecond(0),
                Instant.ofEpochSecond(60), Map.of("keys", "[\"x\"]"), true, false));

        var event = new com.fasterxml.jackson.databind.ObjectMapper().readTree(DynamoDbEventJson.write(batch));

        assertThat(event.path("Records").get(0).path("dynamodb").path("SequenceNumber").asText()).isEqualTo("101");
        assertThat(event.path("window").path("start").asText()).isEqualTo("1970-01-01T00:00:00Z");
        assertThat(event.path("state").path("keys").get(0).asText()).isEqualTo("x");
        assertThat(event.path("shardId").asText()).isEqualTo("shard");
        assertThat(event.path("eventSourceARN").asText()).isEqualTo("arn");
        assertThat(event.path("isFinalInvokeForWindow").asBoolean()).isTrue();
    }
}
