package io.esm4j.testing;

import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The delivery order of a queue's visible messages: what a standard and a FIFO queue do differently. Called under the
 * queue's lock; in-flight bookkeeping (the visibility deadlines) stays with {@link QueueCore}.
 */
interface ReadyMessages {

    /** A new message was sent. */
    void sent(StoredMessage message);

    /**
     * Offers visible messages in delivery order until {@code max} were delivered or none is left. {@code deliver}
     * returns true when it put the message in flight, false when the message left the queue (redrive); either way
     * the message is no longer visible afterwards.
     */
    void take(int max, Predicate<StoredMessage> deliver);

    /** An in-flight message became visible again (its visibility timeout ran out or was set to zero). */
    void returned(StoredMessage message);

    /** A message was deleted; {@link StoredMessage#inFlight} still tells where it was. */
    void removed(StoredMessage message);

    /** True when a receive now would get a message. */
    boolean hasDeliverable();

    /** Every message this holds (in-flight ones too if it keeps them), in no particular order. */
    void forEach(Consumer<StoredMessage> action);
}
