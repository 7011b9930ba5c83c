package io.esm4j.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse.BatchItemFailure;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.queue.QueueMessage;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SqsLambdaAdapterTest {

    private static final SqsMessage RECORD = new SqsMessage("id-1", "handle-1", "hello",
            Map.of("ApproximateReceiveCount", "2"),
            Map.of("Text", SqsMessageAttribute.ofString("String", "v"),
                    "Blob", SqsMessageAttribute.ofBinary("Binary", new byte[] {7})),
            "md5-attributes", "md5-body", SqsMessage.EVENT_SOURCE, "arn:aws:sqs:eu-west-1:123456789012:orders",
            "eu-west-1");

    private static final Batch<QueueMessage<SqsMessage>> BATCH = new Batch<>(
            List.of(new QueueMessage<>("id-1", "handle-1", null, 5, RECORD)), "orders",
            "arn:aws:sqs:eu-west-1:123456789012:orders", 1);

    @Test
    void theFunctionGetsTheSqsEventLambdaWouldSend() throws Exception {
        AtomicReference<SQSEvent> seen = new AtomicReference<>();
        SqsLambdaAdapter.ofConsumer(seen::set).handle(BATCH);

        SQSEvent.SQSMessage message = seen.get().getRecords().getFirst();
        assertThat(message.getMessageId()).isEqualTo("id-1");
        assertThat(message.getReceiptHandle()).isEqualTo("handle-1");
        assertThat(message.getBody()).isEqualTo("hello");
        assertThat(message.getAttributes()).containsExactlyEntriesOf(Map.of("ApproximateReceiveCount", "2"));
        assertThat(message.getMessageAttributes().get("Text").getStringValue()).isEqualTo("v");
        assertThat(message.getMessageAttributes().get("Text").getDataType()).isEqualTo("String");
        assertThat(message.getMessageAttributes().get("Text").getStringListValues()).isEmpty();
        assertThat(message.getMessageAttributes().get("Blob").getBinaryValue()).isEqualTo(ByteBuffer.wrap(new byte[] {7}));
        assertThat(message.getMessageAttributes().get("Blob").getBinaryListValues()).isEmpty();
        assertThat(message.getMd5OfMessageAttributes()).isEqualTo("md5-attributes");
        assertThat(message.getMd5OfBody()).isEqualTo("md5-body");
        assertThat(message.getEventSource()).isEqualTo("aws:sqs");
        assertThat(message.getEventSourceArn()).isEqualTo("arn:aws:sqs:eu-west-1:123456789012:orders");
        assertThat(message.getAwsRegion()).isEqualTo("eu-west-1");
    }

    /**
     * Lambda's Java runtime reads a base64 value into {@code ByteBuffer.wrap(bytes)}: functions call {@code array()}
     * on it, which a read-only buffer refuses.
     */
    @Test
    void binaryAttributesAreArrayBackedBuffersAsInLambda() throws Exception {
        SqsMessage record = new SqsMessage("id-1", "handle-1", "hello", Map.of(),
                Map.of("Blob", new SqsMessageAttribute(null, ByteBuffer.wrap(new byte[] {7, 8}),
                        List.of(), List.of(ByteBuffer.wrap(new byte[] {9})), "Binary")),
                "md5-attributes", "md5-body", SqsMessage.EVENT_SOURCE, "arn:aws:sqs:eu-west-1:123456789012:orders",
                "eu-west-1");
        Batch<QueueMessage<SqsMessage>> batch = new Batch<>(List.of(new QueueMessage<>("id-1", "handle-1", null, 5,
                record)), "orders", "arn:aws:sqs:eu-west-1:123456789012:orders", 1);

        SQSEvent.MessageAttribute blob = SqsLambdaAdapter.toEvent(batch).getRecords().getFirst()
                .getMessageAttributes().get("Blob");
        blob.getBinaryValue().array()[0] = 1;

        assertThat(blob.getBinaryValue().array()).containsExactly(1, 8);
        assertThat(blob.getBinaryListValues().getFirst().array()).containsExactly(9);
        // The function's copy is its own: the record the engine keeps is unchanged.
        assertThat(SqsLambdaAdapter.toEvent(batch).getRecords().getFirst().getMessageAttributes().get("Blob")
                .getBinaryValue().array()).containsExactly(7, 8);
    }

    @Test
    void aRequestHandlerGetsAContextWithARequestIdAndTheQueueAsFunctionName() throws Exception {
        AtomicReference<Context> seen = new AtomicReference<>();
        RequestHandler<SQSEvent, SQSBatchResponse> function = (event, context) -> {
            seen.set(context);
            context.getLogger().log("handled " + event.getRecords().size());
            return null;
        };

        assertThat(SqsLambdaAdapter.of(function).handle(BATCH)).isEqualTo(BatchResult.success());
        assertThat(seen.get().getAwsRequestId()).isNotBlank();
        assertThat(seen.get().getFunctionName()).isEqualTo("orders");
        assertThat(seen.get().getRemainingTimeInMillis()).isPositive();
    }

    @Test
    void batchItemFailuresBecomeTheFailedIds() throws Exception {
        SQSBatchResponse response = new SQSBatchResponse(List.of(new BatchItemFailure("id-1")));

        assertThat(SqsLambdaAdapter.of(event -> response).handle(BATCH))
                .isEqualTo(BatchResult.failures("id-1"));
    }

    @Test
    void responsesLambdaReadsAsSuccess() throws Exception {
        assertThat(SqsLambdaAdapter.fromResponse(null)).isEqualTo(BatchResult.success());
        assertThat(SqsLambdaAdapter.toResult(null)).isEqualTo(BatchResult.success());
        assertThat(SqsLambdaAdapter.fromResponse(new SQSBatchResponse())).isEqualTo(BatchResult.success());
        assertThat(SqsLambdaAdapter.fromResponse(new SQSBatchResponse(new ArrayList<>()))).isEqualTo(BatchResult.success());
        assertThat(SqsLambdaAdapter.fromResponse("")).isEqualTo(BatchResult.success());
        assertThat(SqsLambdaAdapter.fromResponse(Map.of())).isEqualTo(BatchResult.success());
        assertThat(SqsLambdaAdapter.fromResponse("{\"batchItemFailures\":null}")).isEqualTo(BatchResult.success());
    }

    @Test
    void nullAndEmptyIdsAreKeptSoThatTheEngineFailsTheWholeBatch() throws Exception {
        SQSBatchResponse response = new SQSBatchResponse(Arrays.asList(new BatchItemFailure(null),
                new BatchItemFailure(""), null));

        assertThat(SqsLambdaAdapter.fromResponse(response))
                .isEqualTo(new BatchResult.ItemFailures(Arrays.asList(null, "", null)));
        assertThat(SqsLambdaAdapter.toResult(response))
                .isEqualTo(new BatchResult.ItemFailures(Arrays.asList(null, "", null)));
    }

    @Test
    void otherResponseTypesAreReadAsTheirJsonLikeLambdaDoes() throws Exception {
        assertThat(SqsLambdaAdapter.fromResponse(Map.of("batchItemFailures", List.of(Map.of("itemIdentifier", "id-1")))))
                .isEqualTo(BatchResult.failures("id-1"));
        assertThat(SqsLambdaAdapter.fromResponse("{\"batchItemFailures\":[{\"itemIdentifier\":\"id-1\"}]}"))
                .isEqualTo(BatchResult.failures("id-1"));
        assertThat(SqsLambdaAdapter.fromResponse("not json")).isInstanceOf(BatchResult.Malformed.class);
        assertThat(SqsLambdaAdapter.fromResponse(42)).isInstanceOf(BatchResult.Malformed.class);
        assertThat(SqsLambdaAdapter.fromResponse(Map.of("batchItemFailures", List.of(Map.of("itemId", "id-1")))))
                .isInstanceOf(BatchResult.Malformed.class);
    }

    @Test
    void anExceptionFromTheFunctionFailsTheBatch() {
        BatchHandler<QueueMessage<SqsMessage>> handler = SqsLambdaAdapter.ofConsumer(event -> {
            throw new IllegalStateException("boom");
        });

        assertThatThrownBy(() -> handler.handle(BATCH)).isInstanceOf(IllegalStateException.class).hasMessage("boom");
    }
}
