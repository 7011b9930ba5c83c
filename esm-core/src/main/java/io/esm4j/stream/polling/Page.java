package io.esm4j.stream.polling;

import io.esm4j.stream.StreamRecord;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What one GetRecords call returned.
 *
 * @param records            the records, converted for the engine and in shard order; may hold more than the call's
 *                           limit when the source expands one service record into several (KPL aggregates)
 * @param nextIterator       the iterator for the next call, or null once the shard is closed and read to its end
 * @param millisBehindLatest how far the page is behind the shard's newest record, or -1 if the service does not say
 *                           (DynamoDB Streams); -1 makes the engine derive iterator age from arrival times
 * @param behind             true if the shard holds records past this page already, so that an empty page is
 *                           followed at once by another call instead of an IdlePollInterval wait
 */
public record Page<T>(List<StreamRecord<T>> records, @Nullable String nextIterator, long millisBehindLatest,
                      boolean behind) {

    public Page {
        records = List.copyOf(records);
        if (millisBehindLatest < -1) {
            throw new IllegalArgumentException("millisBehindLatest must be >= 0, or -1 when unknown, but was "
                    + millisBehindLatest);
        }
    }

    /** A page whose service reports lag (Kinesis): behind while {@code millisBehindLatest} is above zero. */
    public static <T> Page<T> of(List<StreamRecord<T>> records, String nextIterator, long millisBehindLatest) {
        return new Page<>(Objects.requireNonNull(records, "records"), nextIterator, millisBehindLatest,
                millisBehindLatest > 0);
    }

    /** True if the shard is closed and this page holds its last records. */
    public boolean shardClosed() {
        return nextIterator == null;
    }
}
