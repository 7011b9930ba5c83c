package io.esm4j.worker.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.KinesisEvent;
import io.esm4j.dynamodbstreams.DynamoDbRecord;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchResult;
import io.esm4j.kinesis.KinesisRecord;
import io.esm4j.settings.HandlerThreads;
import io.esm4j.stream.StreamRecord;
import io.esm4j.worker.invoke.Invoker;
import io.esm4j.worker.invoke.TargetLimits;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A Java handler of a DynamoDB Streams or Kinesis mapping may return what a Lambda function of that event may: AWS's
 * own DynamoDB tutorial handler is a {@code RequestHandler<DynamodbEvent, String>} returning a message, others return
 * nothing ({@code Void}) or a map shaped as the response. The handler's return is read as Lambda reads a response:
 * a message is no batch item failures response, which fails a batch only with ReportBatchItemFailures (the engine
 * ignores the response without it, as Lambda does); a {@code StreamsEventResponse} is not required.
 */
class JavaStreamHandlerResultTest {

    private static final String STREAM =
            "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2024-06-10T19:26:16.525";
    private static final String KINESIS = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks";
    private static final Instant CREATED = Instant.parse("2026-12-05T10:00:03Z");

    /** As in AWS's DynamoDB Streams tutorial: a String response. */
    public static final class DynamoDbMessageHandler implements RequestHandler<DynamodbEvent, String> {
        @Override
        public String handleRequest(DynamodbEvent event, Context context) {
            return "Successfully processed " + event.getRecords().size() + " records.";
        }
    }

    public static final class DynamoDbVoidHandler implements RequestHandler<DynamodbEvent, Void> {
        @Override
        public Void handleRequest(DynamodbEvent event, Context context) {
            return null;
        }
    }

    public static final class DynamoDbMapHandler implements RequestHandler<DynamodbEvent, Map<String, Object>> {
        @Override
        public Map<String, Object> handleRequest(DynamodbEvent event, Context context) {
            return Map.of("batchItemFailures", List.of(Map.of("itemIdentifier",
                    event.getRecords().getFirst().getDynamodb().getSequenceNumber())));
        }
    }

    /** Returns an object Jackson writes as {@code {}}, or one it cannot write at all. */
    public static final class DynamoDbObjectHandler implements RequestHandler<DynamodbEvent, Object> {
        private final boolean writable;

        DynamoDbObjectHandler(boolean writable) {
            this.writable = writable;
        }

        @Override
        public Object handleRequest(DynamodbEvent event, Context context) {
            return writable ? new Object() : new Unwritable();
        }
    }

    public static final class Unwritable {
        public String getValue() {
            throw new IllegalStateException("no value");
        }
    }

    public static final class KinesisMessageHandler implements RequestHandler<KinesisEvent, String> {
        @Override
        public String handleRequest(KinesisEvent event, Context context) {
            return "Successfully processed " + event.getRecords().size() + " records.";
        }
    }

    @Test
    void aDynamoDbHandlerReturningAMessageOrNothingIsReadAsLambdaReadsTheResponse() throws Exception {
        assertThat(dynamoDb(new DynamoDbMessageHandler())).isInstanceOf(BatchResult.Malformed.class);
        assertThat(dynamoDb(new DynamoDbVoidHandler())).isInstanceOf(BatchResult.Success.class);
    }

    @Test
    void aDynamoDbHandlerReturningTheResponseAsAMapReportsItsItemFailures() throws Exception {
        assertThat(dynamoDb(new DynamoDbMapHandler())).isInstanceOfSatisfying(BatchResult.ItemFailures.class,
                failures -> assertThat(failures.itemIdentifiers()).containsExactly("101"));
    }

    @Test
    void anObjectWithoutPropertiesIsSuccessAndOneThatCannotBeWrittenAMalformedResponse() throws Exception {
        assertThat(dynamoDb(new DynamoDbObjectHandler(true))).isInstanceOf(BatchResult.Success.class);
        assertThat(dynamoDb(new DynamoDbObjectHandler(false))).isInstanceOfSatisfying(BatchResult.Malformed.class,
                malformed -> assertThat(malformed.reason()).contains(Unwritable.class.getName()));
    }

    @Test
    void aKinesisHandlerReturningAMessageIsReadAsLambdaReadsTheResponse() throws Exception {
        KinesisRecord record = KinesisRecord.of("shardId-000000000001", KinesisRecord.Kinesis.of("pk", "4959",
                "{}".getBytes(StandardCharsets.UTF_8), CREATED, null), "arn:aws:iam::123456789012:role/r",
                "us-east-1", KINESIS);
        BatchResult result = new KinesisSourceFactory().handler(target(new KinesisMessageHandler())).handle(
                new Batch<>(List.of(new StreamRecord<>("shardId-000000000001", "4959", "pk", CREATED, 7, record)),
                        "shardId-000000000001", KINESIS, 1));
        assertThat(result).isInstanceOf(BatchResult.Malformed.class);
    }

    private static BatchResult dynamoDb(RequestHandler<DynamodbEvent, ?> handler) throws Exception {
        Map<String, AttributeValue> keys = Map.of("pk", AttributeValue.fromS("o-1"));
        DynamoDbRecord record = new DynamoDbRecord("e-1", "INSERT", "1.1", DynamoDbRecord.EVENT_SOURCE, "us-east-1",
                new DynamoDbRecord.Dynamodb(CREATED, keys, keys, null, "101", 20, "NEW_AND_OLD_IMAGES"), STREAM,
                null);
        return new DynamoDbStreamsSourceFactory().handler(target(handler)).handle(new Batch<>(List.of(
                new StreamRecord<>("shardId-1", "101", "k", CREATED, 100, record)), "shardId-1", STREAM, 1));
    }

    private static MappingTarget target(RequestHandler<?, ?> handler) {
        return new MappingTarget(new Invoker.Java(handler, "fn", "arn:aws:lambda:us-east-1:000000000000:function:fn",
                Duration.ofSeconds(5)), new TargetLimits("fn", 1, Duration.ofSeconds(5), HandlerThreads.VIRTUAL),
                "arn:fn");
    }
}
