package io.esm4j.testing;

import java.util.SortedMap;
import org.jspecify.annotations.Nullable;

/**
 * What a send fixes about a message and no receive changes; a move to a dead-letter queue keeps it too.
 *
 * @param groupId         the FIFO message group, {@code null} on a standard queue
 * @param deduplicationId the FIFO deduplication id (explicit or the body's SHA-256), {@code null} on a standard queue
 */
record MessageContent(
        String messageId,
        String body,
        SortedMap<String, MessageAttribute> attributes,
        String md5OfBody,
        @Nullable String md5OfMessageAttributes,
        int sizeBytes,
        @Nullable String groupId,
        @Nullable String deduplicationId) {}
