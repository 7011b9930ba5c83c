package io.esm4j.kafka;

import com.amazonaws.services.lambda.runtime.events.KafkaEvent;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.handler.LambdaResponses;
import io.esm4j.stream.StreamRecord;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Runs a handler written for Lambda against {@code aws-lambda-java-events} unchanged: each batch becomes a
 * {@link KafkaEvent} (records under {@code <topic>-<partition>}, key and value in base64), and the response becomes
 * the batch result. aws-lambda-java-events has no response class for Kafka, so the function returns what it would
 * return to Lambda: null (success), a JSON string, or any object Jackson writes as
 * {@code {"batchItemFailures":[{"itemIdentifier":{"partition":"<topic>-<partition>","offset":N}}]}}. An identifier
 * that is not in the batch fails the whole batch, as does a thrown exception. As in Lambda, the response is read only
 * when the mapping has ReportBatchItemFailures on.
 *
 * <pre>{@code
 * EventSourceMapping.builder("orders", source,
 *         KafkaLambdaAdapter.of(source, event -> ordersFunction.handleRequest(event, context)))
 * }</pre>
 */
// Its signatures name aws-lambda-java types; the module requires them static only: its users require them too.
@SuppressWarnings("exports")
public final class KafkaLambdaAdapter {

    private KafkaLambdaAdapter() {}

    public static BatchHandler<StreamRecord<KafkaRecord>> of(KafkaSource source,
                                                             Function<KafkaEvent, ?> function) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(function, "function");
        return batch -> toResult(function.apply(toEvent(source, batch)));
    }

    /** The batch as aws-lambda-java-events models it. */
    public static KafkaEvent toEvent(KafkaSource source, Batch<StreamRecord<KafkaRecord>> batch) {
        Map<String, List<KafkaEvent.KafkaEventRecord>> records = new LinkedHashMap<>();
        for (StreamRecord<KafkaRecord> streamRecord : batch.records()) {
            KafkaRecord record = streamRecord.payload();
            KafkaEvent.KafkaEventRecord eventRecord = KafkaEvent.KafkaEventRecord.builder()
                    .withTopic(record.topic())
                    .withPartition(record.partition())
                    .withOffset(record.offset())
                    .withTimestamp(record.timestamp())
                    .withTimestampType(record.timestampType())
                    .withKey(base64(record.key()))
                    .withValue(base64(record.value()))
                    .withHeaders(new ArrayList<>(record.headers()))
                    .withKeySchemaMetadata(schemaMetadata(record.keySchemaMetadata()))
                    .withValueSchemaMetadata(schemaMetadata(record.valueSchemaMetadata()))
                    .build();
            records.computeIfAbsent(record.topicPartition(), k -> new ArrayList<>()).add(eventRecord);
        }
        return new KafkaEvent(records, source.eventSource(), source.eventSourceArn(), source.bootstrapServers());
    }

    /**
     * The function's response as a batch result, read as Lambda reads it ({@link LambdaResponses#ofObject}): a
     * response Jackson cannot write is a malformed response, which fails the batch only with ReportBatchItemFailures.
     */
    public static BatchResult toResult(@Nullable Object response) {
        return LambdaResponses.ofObject(response);
    }

    private static KafkaEvent.@Nullable SchemaMetadata schemaMetadata(@Nullable KafkaSchemaMetadata metadata) {
        return metadata == null ? null : KafkaEvent.SchemaMetadata.builder().withDataFormat(metadata.dataFormat())
                .withSchemaId(metadata.schemaId()).build();
    }

    private static @Nullable String base64(byte @Nullable [] bytes) {
        return bytes == null ? null : Base64.getEncoder().encodeToString(bytes);
    }
}
