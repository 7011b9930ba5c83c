package io.esm4j.queue;

import java.util.Objects;

/**
 * One entry of a batch call (delete, change visibility) that the queue refused.
 *
 * @param index       the entry's position in the list that was passed in
 * @param code        the queue's error code, e.g. {@code ReceiptHandleIsInvalid}
 * @param message     the queue's explanation
 * @param senderFault true when retrying the same entry cannot help
 */
public record EntryFailure(int index, String code, String message, boolean senderFault) {

    public EntryFailure {
        // The engine finds the refused message by this index; a negative one would point at nothing.
        if (index < 0) {
            throw new IllegalArgumentException("index must be the entry's position (>= 0) but was " + index);
        }
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }
}
