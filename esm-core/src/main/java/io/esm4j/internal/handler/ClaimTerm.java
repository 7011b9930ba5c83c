package io.esm4j.internal.handler;

import java.time.Duration;
import java.time.Instant;

/** How long the idempotency claims of one invocation last if it never reports back (a crash). */
public sealed interface ClaimTerm {

    /**
     * Until a deadline shared by the batch: a queue's, where the messages come back at their visibility timeout and a
     * claim that outlived it would meet each redelivery in progress elsewhere.
     */
    record Until(Instant deadline) implements ClaimTerm {}

    /**
     * For a lifetime from each claim's own write: a stream's or Kafka's, with no delivery deadline. The last claims of
     * a big batch, written a while after the first, last as long as the first.
     */
    record Lasting(Duration lifetime) implements ClaimTerm {}
}
