package io.esm4j.testing;

import org.jspecify.annotations.Nullable;

/**
 * What a send returns, as SQS's SendMessage does.
 *
 * @param messageId      the id of the message; for a FIFO duplicate, the id of the message it duplicates
 * @param sequenceNumber the FIFO sequence number, or {@code null} on a standard queue
 */
public record SendResult(String messageId, @Nullable String sequenceNumber) {}
