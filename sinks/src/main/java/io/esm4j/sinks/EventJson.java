package io.esm4j.sinks;

import io.esm4j.failure.FailureRecord;
import io.esm4j.stream.StreamRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Writes the event Lambda would have invoked the function with for the records of a failure record: the
 * {@code "payload"} an S3 destination adds to the record (docs/lambda-semantics.md §3.5). The sinks module knows no
 * source's payload type, so the caller says how to write them:
 *
 * <pre>{@code
 * // Kinesis (source-kinesis): Lambda's {"Records":[...]} from the KinesisRecord payloads
 * EventJson kinesis = EventJson.ofPayloads(KinesisRecord.class, KinesisEventJson::write);
 * }</pre>
 *
 * <p>The default, {@link #lambdaEvent()}, writes the records of the DynamoDB Streams and Kinesis sources (payloads that
 * are {@link io.esm4j.handler.LambdaRecord}s) as Lambda's event, and {@code byte[]} payloads (the in-memory stream's)
 * as Lambda's Kinesis event ({@link #bytesAsKinesis()}); any other payload fails the delivery with an error that names
 * its type.
 */
@FunctionalInterface
public interface EventJson {

    /**
     * The event's JSON for the given-up records of {@code failure} ({@link FailureRecord#records()}, in stream order).
     *
     * @throws RuntimeException if the records cannot be written; the delivery then fails and is retried
     */
    String write(FailureRecord failure);

    /**
     * The default: Lambda's {@code {"Records":[...]}} event of records whose payloads write themselves
     * ({@link io.esm4j.handler.LambdaRecord}: the DynamoDB Streams and Kinesis sources' records, each written as the
     * source's event writer writes it), or else of {@code byte[]} payloads with {@code KinesisBatchInfo}, as
     * {@link #bytesAsKinesis()} writes them. Other payloads fail the delivery with an error that names their type and
     * how to give an {@code EventJson} for them.
     */
    static EventJson lambdaEvent() {
        return LambdaEventJson.INSTANCE;
    }

    /**
     * Records with {@code byte[]} payloads from a source that writes {@code KinesisBatchInfo}, written
     * as Lambda's Kinesis event ({@code data} in base64, the stream ARN, region and account from the batch info, and
     * {@code invokeIdentityArn} {@code arn:aws:iam::<account>:role/esm4j} as the Kinesis source's default).
     */
    static EventJson bytesAsKinesis() {
        return KinesisBytesEventJson.INSTANCE;
    }

    /**
     * Hands the records' payloads, checked to be of {@code payloadType}, to {@code writer}: for a source module that
     * has its own event writer, such as {@code KinesisEventJson::write}.
     */
    static <P> EventJson ofPayloads(Class<P> payloadType, Function<List<P>, String> writer) {
        return new PayloadsEventJson<>(Objects.requireNonNull(payloadType, "payloadType"),
                Objects.requireNonNull(writer, "writer"));
    }

    /**
     * Checks that this writes records whose payloads are of {@code payloadType} (or a subtype): called where the
     * destination is built with the mapping's payload type ({@code FailureDestinations.forArn(name, destination,
     * payloadType)}, {@link S3FailureDestination#checkPayloadType}), so that a payload it cannot write is refused
     * there, not at the first given-up record; and by the S3 destination before each delivery, for each payload's
     * class. {@link #lambdaEvent()} takes {@link io.esm4j.handler.LambdaRecord} and {@code byte[]},
     * {@link #bytesAsKinesis()} {@code byte[]}, {@link #ofPayloads} its type. This default takes any type: a
     * function given as an {@code EventJson} cannot say which it writes.
     *
     * @throws IllegalArgumentException naming the type and how to give an {@code EventJson} for it
     */
    default void checkPayloadType(Class<?> payloadType) {
        Objects.requireNonNull(payloadType, "payloadType");
    }

    /** The source payloads of the failure's records: a {@link StreamRecord}'s payload, other records as they are. */
    static List<Object> payloads(FailureRecord failure) {
        List<Object> payloads = new ArrayList<>(failure.records().size());
        for (Object record : failure.records()) {
            payloads.add(record instanceof StreamRecord<?> stream ? stream.payload() : record);
        }
        return payloads;
    }

}
