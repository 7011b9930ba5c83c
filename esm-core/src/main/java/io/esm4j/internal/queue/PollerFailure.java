package io.esm4j.internal.queue;

import io.esm4j.internal.handler.Fatal;

/**
 * Something that failed in a poller outside the handler, e.g. {@code filter failed on message <id>} and the filter's
 * exception; the poller restarts after it. Never carries a message body.
 *
 * @param cause null when the queue refused entries without an exception (the text then names its error code)
 */
record PollerFailure(String text, Throwable cause) {

    /** As the state transition reason shows it. */
    String problem() {
        return "PROBLEM: " + text + (cause == null ? "" : ": " + Fatal.describe(cause));
    }
}
