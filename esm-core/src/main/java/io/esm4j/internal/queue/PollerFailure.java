package io.esm4j.internal.queue;

import io.esm4j.internal.handler.Fatal;
import io.esm4j.internal.handler.RecordFailure;

/**
 * Something that failed in a poller outside the handler, e.g. {@code filter failed on message <id>} and the filter's
 * exception; the poller restarts after it. Never carries a message body.
 *
 * @param cause null when the queue refused entries without an exception (the text then names its error code)
 */
record PollerFailure(String text, Throwable cause) {

    /**
     * A function applied to one message failed: the cause keeps its class and stack trace, not its message, which may
     * quote the body.
     */
    static PollerFailure onMessage(String text, Throwable cause) {
        return new PollerFailure(text, RecordFailure.of(cause));
    }

    /** As the state transition reason shows it. */
    String problem() {
        return "PROBLEM: " + text + (cause == null ? "" : ": " + Fatal.describe(cause));
    }
}
