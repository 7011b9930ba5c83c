package io.esm4j.internal.handler;

/**
 * A failure of a function applied to one record (a filter, an ordering key, a failed-message visibility), as the
 * status and the logs show it: the original's class and stack trace, not its message. Such a message often quotes the
 * record (the JDK's {@code NumberFormatException: For input string: "<part of the body>"}, a JSON parser's
 * {@code Unrecognized token '<part of the body>'}), and the state transition reason is shown on the worker's
 * unauthenticated status page and /health: payloads are never shown or logged.
 */
public final class RecordFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private RecordFailure(Throwable original) {
        super(original.getClass().getName() + " (its message is not shown: it may quote the record)", null, false,
                true);
        setStackTrace(original.getStackTrace());
    }

    /** The failure without its message, or its cause's: what may be shown and logged. */
    public static RecordFailure of(Throwable original) {
        return original instanceof RecordFailure already ? already : new RecordFailure(original);
    }
}
