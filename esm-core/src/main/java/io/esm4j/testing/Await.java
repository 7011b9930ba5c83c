package io.esm4j.testing;

import io.esm4j.EventSourceMapping;
import io.esm4j.QueueEventSourceMapping;
import io.esm4j.ShardStatus;
import io.esm4j.settings.Setting;
import io.esm4j.stream.Shard;
import io.esm4j.stream.StreamRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Waits for a mapping to get somewhere, for tests that would otherwise sleep: until it has checkpointed every record
 * of an {@link InMemoryStream}, until an {@link InMemoryQueue} is empty, or until any condition holds. Each wait
 * polls every few milliseconds and returns as soon as the condition holds; the timeout is real time, whatever clock
 * the mapping has (a {@link MutableClock} does not move it). A wait that times out throws an {@link AssertionError}
 * that says what was still missing, so it fails a JUnit test as an assertion does.
 */
public final class Await {

    private static final long POLL_MILLIS = 5;

    private Await() {}

    /**
     * Blocks until the mapping's checkpoint of every shard of the stream is at or after the last record put into it
     * before this call, or {@code SHARD_END} for a shard that was split or merged: every one of those records was
     * handled, filtered out, or given up (sent to the on-failure destination, or dropped without one), and a restart
     * would not read them again. With tumbling windows a window's records are checkpointed by its final invocation
     * only, so this also waits for the windows of those records to close. Shards without records count as done.
     * Checkpoints are written at most every CheckpointInterval (1 s by default), so this can take that long after
     * the last record was handled. A shard whose last record the starting position skips (put before a mapping
     * starting at LATEST read the shard, or arrived before an AT_TIMESTAMP's time) never counts as checkpointed.
     *
     * @param mapping the mapping; with several mappings sharing the stream through a lease store, any of them (its
     *                view of the others' checkpoints is as of its last lease listing)
     * @throws AssertionError naming the shards behind, their checkpoints and the mapping's state, when the timeout
     *                        passes first
     */
    public static void checkpointed(EventSourceMapping<?> mapping, InMemoryStream stream, Duration timeout)
            throws InterruptedException {
        Objects.requireNonNull(mapping, "mapping");
        Map<String, String> lastPut = lastRecords(stream);
        until(() -> shardsBehind(mapping, lastPut).isEmpty(), timeout,
                () -> "mapping '" + mapping.name() + "' has not checkpointed every record put into stream "
                        + stream.streamArn() + " within " + Setting.words(timeout) + "; shards behind (last record put, checkpoint): "
                        + shardsBehind(mapping, lastPut) + "; mapping state " + mapping.state()
                        + ", last processing result '" + mapping.lastProcessingResult() + "', reason '"
                        + mapping.stateTransitionReason() + "'");
    }

    /**
     * Blocks until the queue holds no message, visible or in flight: every message was deleted after its batch
     * succeeded (or was filtered out), or the queue's redrive policy moved it to its dead-letter queue.
     *
     * @throws AssertionError naming the messages left, when the timeout passes first
     */
    public static void drained(QueueEventSourceMapping<?> mapping, InMemoryQueue queue, Duration timeout)
            throws InterruptedException {
        Objects.requireNonNull(mapping, "mapping");
        until(() -> queue.size() == 0, timeout,
                () -> "queue " + queue.name() + " still holds " + queue.size() + " messages ("
                        + queue.approximateNumberOfMessagesNotVisible() + " in flight) after " + timeout
                        + " with mapping '" + mapping.name() + "' in state " + mapping.state()
                        + ", last processing result '" + mapping.lastProcessingResult() + "', reason '"
                        + mapping.stateTransitionReason() + "'");
    }

    /**
     * Blocks until the condition holds (a handler's side effect, a count of records delivered somewhere, ...).
     *
     * @param what says what was awaited, for the error when the timeout passes first
     * @throws AssertionError when the timeout passes first
     */
    public static void until(String what, BooleanSupplier condition, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(what, "what");
        until(condition, timeout, () -> "not within " + Setting.words(timeout) + ": " + what);
    }

    private static void until(BooleanSupplier condition, Duration timeout, Supplier<String> failure)
            throws InterruptedException {
        Objects.requireNonNull(condition, "condition");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative but was " + timeout);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError(failure.get());
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /** The sequence number of the last record of each shard that has records, as the call finds them. */
    private static Map<String, String> lastRecords(InMemoryStream stream) {
        return stream.listShards().stream().map(Shard::shardId)
                .map(stream::records).filter(records -> !records.isEmpty()).map(List::getLast)
                .collect(Collectors.toMap(StreamRecord::shardId, StreamRecord::sequenceNumber));
    }

    /**
     * The shards whose checkpoint is short of their last record, with that record's sequence number and the
     * checkpoint. The stream's sequence numbers are zero-padded decimals of one counter, so they compare as text.
     */
    private static List<String> shardsBehind(EventSourceMapping<?> mapping, Map<String, String> lastPut) {
        Map<String, String> positions = mapping.shards().stream()
                .collect(Collectors.toMap(ShardStatus::shardId, ShardStatus::position, (a, b) -> b));
        List<String> behind = new ArrayList<>();
        lastPut.forEach((shardId, last) -> {
            String position = positions.get(shardId);
            boolean done = position != null && (position.equals("SHARD_END")
                    || isSequenceNumber(position) && position.compareTo(last) >= 0);
            if (!done) {
                behind.add(shardId + " (" + last + ", " + (position == null ? "no lease yet" : position) + ")");
            }
        });
        return behind;
    }

    private static boolean isSequenceNumber(String position) {
        return !position.isEmpty() && position.chars().allMatch(Character::isDigit);
    }
}
