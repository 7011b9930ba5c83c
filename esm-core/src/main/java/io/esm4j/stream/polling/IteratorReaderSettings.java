package io.esm4j.stream.polling;

import java.time.Duration;
import java.util.Objects;

/**
 * How an {@link IteratorShardReader} spends a shard's read budget. The source sets these from its own settings and
 * the service's limits (docs/lambda-semantics.md §7): Kinesis up to 5 GetRecords per second of up to 10,000 records, DynamoDB
 * Streams about 4 per second of up to 1,000.
 *
 * @param getRecordsPerSecond      GetRecords calls per second at most; calls are spaced at least 1/this apart
 * @param maxRecordsPerCall        the service's GetRecords limit; a call never asks for more, nor for more than the
 *                                 engine has room for
 * @param throttleBackoffInitial   the wait after the first throttled call; it doubles per throttled call in a row,
 *                                 with ±50% jitter
 * @param throttleBackoffMax       the longest wait between throttled calls
 * @param maxEmptyReadsWhileBehind empty pages in a row that one fetch follows while the shard reports being behind;
 *                                 then it returns so that the engine can notice a stop
 */
public record IteratorReaderSettings(
        int getRecordsPerSecond,
        int maxRecordsPerCall,
        Duration throttleBackoffInitial,
        Duration throttleBackoffMax,
        int maxEmptyReadsWhileBehind) {

    /** Enough to cross a sparse stretch of a shard within a few seconds at 4-5 calls per second. */
    public static final int DEFAULT_MAX_EMPTY_READS_WHILE_BEHIND = 20;

    public IteratorReaderSettings {
        Objects.requireNonNull(throttleBackoffInitial, "throttleBackoffInitial");
        Objects.requireNonNull(throttleBackoffMax, "throttleBackoffMax");
        requireAtLeastOne("getRecordsPerSecond", getRecordsPerSecond);
        requireAtLeastOne("maxRecordsPerCall", maxRecordsPerCall);
        requireAtLeastOne("maxEmptyReadsWhileBehind", maxEmptyReadsWhileBehind);
        if (throttleBackoffInitial.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("throttleBackoffInitial must be at least 1 ms but was "
                    + throttleBackoffInitial);
        }
        if (throttleBackoffMax.compareTo(throttleBackoffInitial) < 0) {
            throw new IllegalArgumentException("throttleBackoffMax must be at least throttleBackoffInitial ("
                    + throttleBackoffInitial + ") but was " + throttleBackoffMax);
        }
    }

    /** Settings with {@link #DEFAULT_MAX_EMPTY_READS_WHILE_BEHIND}. */
    public static IteratorReaderSettings of(int getRecordsPerSecond, int maxRecordsPerCall,
                                            Duration throttleBackoffInitial, Duration throttleBackoffMax) {
        return new IteratorReaderSettings(getRecordsPerSecond, maxRecordsPerCall, throttleBackoffInitial,
                throttleBackoffMax, DEFAULT_MAX_EMPTY_READS_WHILE_BEHIND);
    }

    private static void requireAtLeastOne(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1 but was " + value);
        }
    }
}
