package io.esm4j.sinks;

/**
 * A failure record that a destination cannot take because of its size: its JSON is over the destination's message
 * limit. Nothing is cut or dropped; the engine counts the refusal as a {@code DestinationDeliveryFailures}, logs it,
 * keeps the checkpoint before the records and retries. A stream record's failure record carries metadata only
 * (about 1 KB), so only a batch info far beyond the built-in ones can reach the limit.
 */
public final class FailureRecordTooLargeException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String destination;
    private final long sizeBytes;
    private final long limitBytes;

    public FailureRecordTooLargeException(String destination, long sizeBytes, long limitBytes) {
        super("cannot deliver a failure record to " + destination + ": its JSON is " + sizeBytes
                + " bytes, over the " + limitBytes + "-byte message limit; the record is kept, not truncated, and "
                + "the delivery is retried");
        this.destination = destination;
        this.sizeBytes = sizeBytes;
        this.limitBytes = limitBytes;
    }

    /** The destination, e.g. {@code SNS topic arn:aws:sns:...}. */
    public String destination() {
        return destination;
    }

    /** The size of the record's JSON in UTF-8 bytes. */
    public long sizeBytes() {
        return sizeBytes;
    }

    /** The destination's limit in bytes. */
    public long limitBytes() {
        return limitBytes;
    }
}
