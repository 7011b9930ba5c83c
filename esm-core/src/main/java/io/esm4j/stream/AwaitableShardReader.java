package io.esm4j.stream;

import java.time.Duration;

/**
 * A reader whose records can be awaited: at the tail of its shard it waits until a record arrives, the shard ends,
 * or the engine's deadline passes, and tells the engine so by implementing this interface. For sources inside the
 * JVM (an in-memory stream, a buffer a poll thread fills), which know when records arrive.
 *
 * <p>The engine then reads an idle shard of such a source without polling: instead of fetching about once a second
 * and pausing IdlePollInterval after each empty fetch (Lambda's pace for a remote shard, which readers that call a
 * service such as Kinesis keep), it calls {@link #fetch(int, Duration)} with the time until its next duty for the
 * shard (a tumbling window's end, or a bound of tens of seconds) and waits that long if nothing arrives.
 * IdlePollInterval does not apply to these readers.
 */
public interface AwaitableShardReader<T> extends ShardReader<T> {

    /**
     * Returns the next records of the shard, at most {@code maxRecords}, waiting up to {@code maxWait} at the tail
     * of an open shard for one to arrive. It returns as soon as there is at least one record (with every record
     * available then, up to {@code maxRecords}), as soon as the shard has ended ({@link FetchResult#shardEnded()}),
     * and otherwise with an empty result once {@code maxWait} has passed (it may wait a little longer, e.g. to end on
     * a tick shared with other shards, but not much). {@link Duration#ZERO} returns at once.
     *
     * <p>The engine stops an idle shard (stop, lease lost, hand-off) by interrupting the reading thread: the wait must
     * end then, by throwing {@link InterruptedException} (as {@code Condition.await} and {@code Object.wait} do).
     */
    FetchResult<T> fetch(int maxRecords, Duration maxWait) throws Exception;
}
