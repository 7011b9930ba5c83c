package io.esm4j.queue;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One received message, as the queue engine sees it: what it needs to delete it, to keep FIFO groups in order and
 * to bound memory, plus the source's own payload that reaches the handler unchanged.
 *
 * @param messageId      the message's id; also its id for ReportBatchItemFailures
 * @param receiptHandle  the handle of this receive, needed to delete the message or change its visibility
 * @param messageGroupId the FIFO message group, or {@code null} on a standard queue
 * @param sizeBytes      what the message adds to the invocation payload, as its source counts it (SQS: its record
 *                       in the event JSON): counted against the 6 MB invocation cap and the memory bounds
 * @param payload        the source's message, handed to the handler as is
 */
public record QueueMessage<T>(String messageId, String receiptHandle, @Nullable String messageGroupId, int sizeBytes,
                              T payload) {

    public QueueMessage {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(receiptHandle, "receiptHandle");
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("sizeBytes must be >= 0 but was " + sizeBytes);
        }
    }
}
