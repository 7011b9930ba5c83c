package io.esm4j.dynamodbstreams;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchResult;
import io.esm4j.stream.StreamRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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
}
