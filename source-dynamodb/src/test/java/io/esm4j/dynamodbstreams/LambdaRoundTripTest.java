package io.esm4j.dynamodbstreams;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import io.esm4j.handler.Batch;
import io.esm4j.stream.StreamRecord;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.Record;

/**
 * The two ways a handler sees a batch agree with Lambda: the JSON {@link DynamoDbEventJson} writes, read by the
 * deserializer of Lambda's Java runtime ({@code aws-lambda-java-serialization}), is the {@link DynamodbEvent} that
 * {@link DynamoDbLambdaAdapter} builds, field by field, for records as {@link RecordConverter} makes them.
 */
class LambdaRoundTripTest {

    private static final String ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/"
            + "2024-06-10T19:26:16.525";
    private static final PojoSerializer<DynamodbEvent> LAMBDA = LambdaEventSerializers.serializerFor(
            DynamodbEvent.class, LambdaRoundTripTest.class.getClassLoader());

    @Test
    void lambdasDeserializerReadsTheWrittenEventAsTheAdapterBuildsIt() {
        Map<String, AttributeValue> image = new LinkedHashMap<>();
        image.put("pk", AttributeValue.fromS("ключ \"q\" \\ \t\u0001 😀"));
        image.put("n", AttributeValue.fromN("-12.50e3"));
        image.put("b", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {0, -1, 2, 3, 4})));
        image.put("bs", AttributeValue.fromBs(List.of(SdkBytes.fromByteArray(new byte[] {9}),
                SdkBytes.fromByteArray(new byte[] {-128, 127}))));
        image.put("ss", AttributeValue.fromSs(List.of("x", "ü")));
        image.put("ns", AttributeValue.fromNs(List.of("1", "2.5")));
        image.put("t", AttributeValue.fromBool(true));
        image.put("f", AttributeValue.fromBool(false));
        image.put("nul", AttributeValue.fromNul(true));
        image.put("m", AttributeValue.fromM(Map.of("l", AttributeValue.fromL(List.of(
                AttributeValue.fromM(Map.of("deep", AttributeValue.fromBs(List.of(
                        SdkBytes.fromUtf8String("bytes"))))),
                AttributeValue.fromL(List.of()), AttributeValue.fromS(""))))));
        Map<String, AttributeValue> keys = Map.of("pk", image.get("pk"));
        Map<String, AttributeValue> older = Map.of("pk", image.get("pk"), "n", AttributeValue.fromN("1"));
        RecordConverter converter = new RecordConverter("shardId-00000001700000000000-abcd1234", ARN);
        List<StreamRecord<DynamoDbRecord>> records = List.of(
                converter.convert(record("e1", "MODIFY", Instant.ofEpochSecond(1_700_000_000L, 750_000_000), keys,
                        image, older, "NEW_AND_OLD_IMAGES", null)),
                converter.convert(record("e2", "INSERT", Instant.ofEpochSecond(1_700_000_001L), keys, null, null,
                        "KEYS_ONLY", null)),
                converter.convert(record("e3", "REMOVE", Instant.ofEpochSecond(1_700_000_002L), keys, null, older,
                        "OLD_IMAGE", Identity.builder().principalId("dynamodb.amazonaws.com").type("Service")
                                .build())));
        Batch<StreamRecord<DynamoDbRecord>> batch = new Batch<>(records, "shardId-00000001700000000000-abcd1234",
                ARN, 1);

        DynamodbEvent inLambda = LAMBDA.fromJson(DynamoDbEventJson.write(batch));
        DynamodbEvent adapted = DynamoDbLambdaAdapter.toEvent(batch);

        assertThat(inLambda.getRecords()).hasSize(3);
        assertThat(adapted).usingRecursiveComparison().isEqualTo(inLambda);
        assertThat(adapted.getRecords().getFirst().getDynamodb().getApproximateCreationDateTime())
                .isEqualTo(inLambda.getRecords().getFirst().getDynamodb().getApproximateCreationDateTime())
                .isEqualTo(java.util.Date.from(Instant.ofEpochSecond(1_700_000_000L)));
        var lambdaBinary = inLambda.getRecords().getFirst().getDynamodb().getNewImage().get("b").getB();
        var adaptedBinary = adapted.getRecords().getFirst().getDynamodb().getNewImage().get("b").getB();
        assertThat(adaptedBinary.isReadOnly()).isEqualTo(lambdaBinary.isReadOnly());
        assertThat(adaptedBinary.hasArray()).isEqualTo(lambdaBinary.hasArray());
        assertThat(inLambda.getRecords().get(2).getUserIdentity().getType()).isEqualTo("Service");
        assertThat(inLambda.getRecords().get(1).getDynamodb().getNewImage()).isNull();
    }

    private static Record record(String id, String name, Instant created, Map<String, AttributeValue> keys,
                                 Map<String, AttributeValue> newImage, Map<String, AttributeValue> oldImage,
                                 String viewType, Identity identity) {
        return Record.builder().eventID(id).eventName(name).eventVersion("1.1").eventSource("aws:dynamodb")
                .awsRegion("eu-west-1").userIdentity(identity)
                .dynamodb(software.amazon.awssdk.services.dynamodb.model.StreamRecord.builder()
                        .approximateCreationDateTime(created).keys(keys).newImage(newImage).oldImage(oldImage)
                        .sequenceNumber("3000000000000" + id.substring(1) + "00000000").sizeBytes(42L)
                        .streamViewType(viewType).build())
                .build();
    }
}
