package io.esm4j;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One shard of a stream mapping, as {@link EventSourceMapping#shards()} shows it.
 *
 * @param shardId           the shard
 * @param owner             the worker id that holds the shard's lease, or null when nobody does; other workers'
 *                          leases are as of this worker's last lease listing, and a shard this worker let go since
 *                          (handed over, lost, ended) shows null until the next listing says who took it
 * @param position          the shard's checkpoint as stored: a sequence number, {@code TRIM_HORIZON},
 *                          {@code LATEST}, {@code AT_TIMESTAMP <instant>} or {@code SHARD_END}
 * @param iteratorAgeMillis how far this worker is behind on the shard: the larger of how far its reader is behind the
 *                          newest record and how long its oldest record read and not yet done has been in the stream
 *                          (with tumbling windows, since its window ended); it climbs while a batch is retried; -1
 *                          when this worker does not process the shard or has not read yet
 * @param recordsInFlight   records read by this worker and not yet passed by the checkpoint
 * @param restarts          how often this worker restarted the shard after a failure outside the handler
 * @param lastError         the last such failure (or failed read or checkpoint write), or null
 * @param handoffTo         the worker that asked the owner to hand the lease over, while the owner has not yet
 *                          (GracefulHandoffTimeout), or null
 */
public record ShardStatus(String shardId, @Nullable String owner, String position, long iteratorAgeMillis,
                          long recordsInFlight, long restarts, @Nullable String lastError,
                          @Nullable String handoffTo) {

    /** A shard nobody asked for. */
    public ShardStatus(String shardId, @Nullable String owner, String position, long iteratorAgeMillis,
                       long recordsInFlight, long restarts, @Nullable String lastError) {
        this(shardId, owner, position, iteratorAgeMillis, recordsInFlight, restarts, lastError, null);
    }

    public ShardStatus {
        Objects.requireNonNull(shardId, "shardId");
        Objects.requireNonNull(position, "position");
        if (iteratorAgeMillis < -1) {
            throw new IllegalArgumentException("iteratorAgeMillis must be -1 (unknown) or >= 0 but was "
                    + iteratorAgeMillis);
        }
        if (recordsInFlight < 0 || restarts < 0) {
            throw new IllegalArgumentException("recordsInFlight and restarts must be >= 0 but were " + recordsInFlight
                    + " and " + restarts);
        }
    }
}
