package io.esm4j.queue;

import io.esm4j.filter.FilterDocument;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The queue-source SPI: what the queue engine needs from SQS or any queue with visibility timeouts.
 *
 * <p>Batch calls return the entries that failed, by position, so that the same message appearing twice in one
 * receive (possible on a standard queue) is handled correctly. An exception means the whole call failed.
 *
 * @param <T> the payload type of the messages
 */
public interface QueueSource<T> {

    /** The queue's ARN, as written into events ({@code eventSourceARN}). */
    String queueArn();

    /** True for a FIFO queue: messages carry a group id, and one group is delivered in order. */
    boolean fifo();

    /** The queue's visibility timeout: how long a received message stays hidden unless changed. */
    Duration visibilityTimeout() throws Exception;

    /**
     * Receives up to {@code maxMessages} (1–10) messages, waiting up to {@code waitTime} (long poll, at most 20 s)
     * when none is available.
     */
    List<QueueMessage<T>> receive(int maxMessages, Duration waitTime) throws Exception;

    /** Deletes messages (up to 10); returns the entries that were not deleted. */
    List<EntryFailure> delete(List<QueueMessage<T>> messages) throws Exception;

    /**
     * Sets the visibility timeout of messages (up to 10), counted from now; zero makes them visible at once. Returns
     * the entries that were not changed.
     */
    List<EntryFailure> changeVisibility(List<QueueMessage<T>> messages, Duration visibilityTimeout) throws Exception;

    /**
     * The bytes an event of this queue's messages holds besides the messages themselves
     * ({@link QueueMessage#sizeBytes()} counts those): 0 (the default) when the messages' sizes cover it. SQS counts
     * each message's record and the comma before it and declares {@link io.esm4j.handler.RecordsJson#ENVELOPE_BYTES}.
     * Batch formation counts it once per batch, so that no event is over Lambda's 6 MB invocation payload.
     */
    default int eventEnvelopeBytes() {
        return 0;
    }

    /** The top-level keys filter patterns may name ({@code body} for SQS); empty if filters are not supported. */
    default Set<String> filterableKeys() {
        return Set.of();
    }

    /**
     * The document filter criteria are matched against, built with {@link io.esm4j.filter.FilterDocuments}
     * following the source's data rules. Called only when {@link #filterableKeys()} is not empty.
     */
    default FilterDocument filterDocument(QueueMessage<T> message) {
        throw new UnsupportedOperationException(getClass().getName() + " does not support filter criteria");
    }
}
