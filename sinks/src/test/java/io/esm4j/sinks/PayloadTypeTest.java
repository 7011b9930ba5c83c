package io.esm4j.sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.failure.BatchInfoStyle;
import io.esm4j.failure.DestinationRefusedException;
import io.esm4j.failure.FailureCondition;
import io.esm4j.failure.FailureRecord;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.handler.LambdaRecord;
import io.esm4j.stream.StreamRecord;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * A custom source's payloads, which the default EventJson cannot write into an S3 object: refused where the
 * destination is built when the mapping's payload type is given, and otherwise, at the first record given up, before
 * anything is stored, as a refusal the mapping holds as its LastProcessingResult. The clients point at a closed port:
 * none of this calls a service.
 */
class PayloadTypeTest {

    private static final String BUCKET = "arn:aws:s3:::failures";

    /** A custom source's payload, neither a LambdaRecord nor byte[]. */
    record Order(String id) {}

    /** A payload that writes itself, as the DynamoDB Streams and Kinesis sources' do. */
    record SelfWriting(String json) implements LambdaRecord {
        @Override
        public String lambdaJson() {
            return json;
        }
    }

    private static S3Client s3;
    private static SqsClient sqs;
    private static SnsClient sns;

    @BeforeAll
    static void clients() throws IOException {
        URI closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
        s3 = AwsClients.s3(closed);
        sqs = AwsClients.sqs(closed);
        sns = AwsClients.sns(closed);
    }

    @AfterAll
    static void close() {
        s3.close();
        sqs.close();
        sns.close();
    }

    @Test
    void theDefaultEventJsonRefusesACustomPayloadTypeWhenTheDestinationIsResolved() {
        FailureDestinations destinations = FailureDestinations.builder().s3(s3).build();

        assertThatThrownBy(() -> destinations.forArn("orders", BUCKET, Order.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("on-failure destination " + BUCKET + ": the default EventJson writes records whose "
                        + "payload is a io.esm4j.handler.LambdaRecord (the DynamoDB Streams and Kinesis sources' "
                        + "records) or byte[] (with KinesisBatchInfo), but the mapping's payloads are "
                        + Order.class.getName() + "; give the S3 destination an EventJson for them: "
                        + "FailureDestinations.builder().eventJson(EventJson.ofPayloads(Order.class, payloads -> "
                        + "json)), or S3FailureDestination.of(s3, bucket, mappingName, eventJson)");
        assertThatThrownBy(() -> destinations.check("orders", BUCKET, Order.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(Order.class.getName());
        assertThatThrownBy(() -> S3FailureDestination.of(s3, "failures", "orders").checkPayloadType(Order.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(Order.class.getName());
        assertThatThrownBy(() -> S3FailureDestination.of(s3, "failures", "orders", EventJson.bytesAsKinesis())
                .checkPayloadType(SelfWriting.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("EventJson.bytesAsKinesis() writes records whose payload is byte[]");
    }

    @Test
    void payloadTypesTheEventJsonWritesAreTaken() {
        FailureDestinations byDefault = FailureDestinations.builder().s3(s3).sqs(sqs).sns(sns)
                .kafkaTopics(topic -> record -> { }).build();
        assertThat(byDefault.forArn("orders", BUCKET, SelfWriting.class)).isInstanceOf(S3FailureDestination.class);
        assertThat(byDefault.forArn("orders", BUCKET, byte[].class)).isInstanceOf(S3FailureDestination.class);
        // The queue, topic and Kafka topic write no payload, whatever its type.
        assertThatCode(() -> {
            byDefault.forArn("orders", "arn:aws:sqs:us-east-1:123456789012:failures", Order.class);
            byDefault.forArn("orders", "arn:aws:sns:us-east-1:123456789012:failures", Order.class);
            byDefault.forArn("orders", "kafka://failures", Order.class);
            byDefault.check("orders", "kafka://failures", Order.class);
        }).doesNotThrowAnyException();

        FailureDestinations orders = FailureDestinations.builder().s3(s3)
                .eventJson(EventJson.ofPayloads(Order.class, payloads -> "{}")).build();
        assertThat(orders.forArn("orders", BUCKET, Order.class)).isInstanceOf(S3FailureDestination.class);
        assertThatThrownBy(() -> orders.forArn("orders", BUCKET, SelfWriting.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("this EventJson writes payloads of type " + Order.class.getName()
                        + " but the mapping's payloads are " + SelfWriting.class.getName());
        // A function cannot say what it writes: taken, as before.
        FailureDestinations custom = FailureDestinations.builder().s3(s3).eventJson(failure -> "{}").build();
        assertThat(custom.forArn("orders", BUCKET, Order.class)).isInstanceOf(S3FailureDestination.class);
    }

    /**
     * Without the payload type, the first record given up is refused before anything is stored, as a refusal the
     * mapping holds as its LastProcessingResult (naming the bucket and the type) until a delivery succeeds.
     */
    @Test
    void aPayloadTheEventJsonCannotWriteIsARefusalAUserMustActOn() {
        List<StreamRecord<Order>> records = List.of(new StreamRecord<>("shardId-000000000000", "1", "k",
                TestRecords.GIVEN_UP, 10, new Order("o-1")));
        FailureRecord failure = new FailureRecord(new FailureRecord.RequestContext("id", "arn",
                FailureCondition.RetryAttemptsExhausted, 1), FailureRecord.ResponseContext.unhandled(),
                TestRecords.GIVEN_UP, StreamBatchInfo.of(BatchInfoStyle.KINESIS, "shardId-000000000000", records,
                TestRecords.STREAM_ARN), records);
        S3FailureDestination destination = S3FailureDestination.of(s3, "failures", "orders");

        assertThatThrownBy(() -> destination.send(failure))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot store a failure record in S3 bucket failures: the default EventJson "
                        + "writes records whose payload is a io.esm4j.handler.LambdaRecord")
                .cause().isInstanceOfSatisfying(DestinationRefusedException.class, refused ->
                        assertThat(refused.processingResult()).isEqualTo("PROBLEM: The EventJson of on-failure "
                                + "destination " + BUCKET + " cannot write payloads of type " + Order.class.getName()
                                + "."));
    }
}
