package io.esm4j.kinesis;

/**
 * The stream was deleted and created again under the same name (the same ARN) while the mapping ran: its checkpoints
 * are positions of the old stream. Thrown by every shard listing from then on, so that the mapping's status says so
 * for as long as it runs on; its message says what to do.
 */
final class StreamRecreatedException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    StreamRecreatedException(String message) {
        super(message);
    }
}
