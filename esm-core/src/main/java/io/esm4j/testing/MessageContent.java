package io.esm4j.testing;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
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
        @Nullable String deduplicationId) {

    /**
     * A new message from a send that passed SQS's {@link SendChecks}; a FIFO send without a deduplication id gets the
     * body's SHA-256. Called outside the queue's lock: hashing there keeps concurrent senders from queueing behind it.
     */
    static MessageContent checkedSend(
            String body, Map<String, MessageAttribute> messageAttributes, boolean fifo, @Nullable String groupId,
            @Nullable String deduplicationId) {
        SendChecks.checkBody(body);
        SortedMap<String, MessageAttribute> attributes =
                SendChecks.checkAttributes(Objects.requireNonNull(messageAttributes, "messageAttributes"));
        byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
        String dedupId = fifo && deduplicationId == null ? Digests.sha256Hex(body) : deduplicationId;
        return new MessageContent(newMessageId(), body, attributes, Digests.md5Hex(bodyBytes),
                Digests.md5OfAttributes(attributes), SendChecks.checkSize(bodyBytes.length, attributes), groupId,
                dedupId);
    }

    // SQS message ids are random UUIDs; ThreadLocalRandom keeps senders off SecureRandom's lock.
    private static String newMessageId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(high, low).toString();
    }
}
