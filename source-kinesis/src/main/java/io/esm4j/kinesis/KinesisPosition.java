package io.esm4j.kinesis;

import io.esm4j.stream.ReadStart;
import java.util.Objects;

/**
 * The position of one user record in a shard, and its text form, which is the {@code sequenceNumber} the handler
 * sees, the id it returns in {@code batchItemFailures} and what the engine checkpoints.
 *
 * <p>A plain Kinesis record is its sequence number, {@code "49590338271490256608559692538361571095921575989136588898"}.
 * A user record that the Kinesis Producer Library packed into an aggregated record shares the aggregate's sequence
 * number, so its position adds the sub-sequence number (its index inside the aggregate):
 * {@code "49590338271490256608559692538361571095921575989136588898/3"}. Resuming after a plain record reads
 * AFTER_SEQUENCE_NUMBER; resuming after a sub-record reads the aggregate again (AT_SEQUENCE_NUMBER) and skips its
 * sub-records up to and including that one, so that no user record is skipped or delivered twice.
 *
 * @param sequenceNumber    the Kinesis sequence number of the (possibly aggregated) Kinesis record
 * @param subSequenceNumber the index of the user record inside the aggregate, or {@link #NOT_AGGREGATED}
 */
record KinesisPosition(String sequenceNumber, long subSequenceNumber) {

    static final long NOT_AGGREGATED = -1;
    private static final char SEPARATOR = '/';

    KinesisPosition {
        Objects.requireNonNull(sequenceNumber, "sequenceNumber");
        if (sequenceNumber.isEmpty() || !sequenceNumber.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException(
                    "a Kinesis sequence number is a non-empty string of digits but was '" + sequenceNumber + "'");
        }
        if (subSequenceNumber < NOT_AGGREGATED) {
            throw new IllegalArgumentException("subSequenceNumber must be >= 0, or -1 for a plain record, but was "
                    + subSequenceNumber);
        }
    }

    static KinesisPosition plain(String sequenceNumber) {
        return new KinesisPosition(sequenceNumber, NOT_AGGREGATED);
    }

    /** Reads the text form written by {@link #toString()}. */
    static KinesisPosition parse(String text) {
        int separator = text.indexOf(SEPARATOR);
        if (separator < 0) {
            return plain(text);
        }
        String sub = text.substring(separator + 1);
        if (sub.isEmpty() || !sub.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("expected '<sequenceNumber>' or '<sequenceNumber>" + SEPARATOR
                    + "<subSequenceNumber>' but was '" + text + "'");
        }
        return new KinesisPosition(text.substring(0, separator), Long.parseLong(sub));
    }

    /**
     * True for the sub-records of an aggregate up to and including {@code S/k} when reading resumes after
     * {@code S/k}: reading opens at the aggregate {@code S} again and drops them.
     */
    static boolean precedes(String sequenceNumber, ReadStart start) {
        if (!(start instanceof ReadStart.AfterSequenceNumber after)) {
            return false;
        }
        KinesisPosition resumeAfter = parse(after.sequenceNumber());
        if (!resumeAfter.aggregated()) {
            return false;
        }
        KinesisPosition position = parse(sequenceNumber);
        return position.sequenceNumber().equals(resumeAfter.sequenceNumber())
                && position.subSequenceNumber() <= resumeAfter.subSequenceNumber();
    }

    boolean aggregated() {
        return subSequenceNumber != NOT_AGGREGATED;
    }

    @Override
    public String toString() {
        return aggregated() ? sequenceNumber + SEPARATOR + subSequenceNumber : sequenceNumber;
    }
}
