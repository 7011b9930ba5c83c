package io.esm4j.kafka.internal;

import io.esm4j.internal.handler.Fatal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Works out each owned partition's OffsetLag: what the broker has past the fetch position plus what was fetched and
 * is not done yet. Called on the poll thread only, as it asks the consumer.
 */
final class OffsetLags {

    /**
     * How often OffsetLag is worked out. It asks the consumer once per partition; on every poll that was about 2 µs
     * a poll (1-2 % of the poll thread, the thread that sets a mapping's pace) for a gauge that Lambda reports once
     * a minute.
     */
    static final Duration REFRESH = Duration.ofSeconds(1);
    /** How long the poll thread waits for paused partitions' end offsets, at most once per {@link #REFRESH}. */
    private static final Duration LOOKUP_TIMEOUT = Duration.ofMillis(250);

    private final Consumer<byte[], byte[]> consumer;
    /** A lookup's failure, for {@link TopicRefusals}: it may be a topic's refusal, which the consumer reports once. */
    private final java.util.function.Consumer<Throwable> refusals;
    /** When the lags are worked out next (System.nanoTime). */
    private long next = System.nanoTime();

    OffsetLags(Consumer<byte[], byte[]> consumer, java.util.function.Consumer<Throwable> refusals) {
        this.consumer = consumer;
        this.refusals = refusals;
    }

    /** Works the partitions' lags out if {@link #REFRESH} has passed since the last time. */
    void refreshIfDue(Collection<PartitionState> owned) {
        if (System.nanoTime() - next < 0) {
            return;
        }
        List<PartitionState> paused = new ArrayList<>();
        for (PartitionState state : owned) {
            if (state.paused && !state.startPending) {
                paused.add(state);
            } else {
                state.lag = consumerLag(state);
                state.lagAtNanos = System.nanoTime();
            }
        }
        if (!paused.isEmpty()) {
            refreshPaused(paused);
        }
        next = System.nanoTime() + REFRESH.toNanos();
    }

    /**
     * A paused partition is left out of fetches, so the consumer's high watermark of it (what {@code currentLag}
     * counts from) stops while producers go on: its end is asked of the broker instead, once per {@link #REFRESH}
     * for all paused partitions together. The lag of a partition whose end or position is not known at once stays
     * the consumer's.
     */
    private void refreshPaused(List<PartitionState> paused) {
        Map<TopicPartition, Long> ends = Map.of();
        try {
            ends = consumer.endOffsets(paused.stream().map(state -> state.partition).toList(), LOOKUP_TIMEOUT);
        } catch (RuntimeException e) {
            // A wakeup (stop), a slow broker or a refusal: the gauge waits for the next refresh.
            Fatal.rethrowIfFatal(e);
            refusals.accept(e);
        }
        for (PartitionState state : paused) {
            Long end = ends.get(state.partition);
            long lag = -1;
            if (end != null) {
                try {
                    lag = Math.max(0, end - consumer.position(state.partition, Duration.ZERO)) + state.unfinished();
                } catch (RuntimeException e) {
                    // No position yet (a restart about to seek): the consumer's lag, as for an unknown end.
                    Fatal.rethrowIfFatal(e);
                }
            }
            state.lag = lag < 0 ? consumerLag(state) : lag;
            state.lagAtNanos = System.nanoTime();
        }
    }

    /** The consumer's lag of the partition plus its fetched records not done, or -1 when the consumer knows none. */
    private long consumerLag(PartitionState state) {
        OptionalLong behind = consumer.currentLag(state.partition);
        return behind.isPresent() ? behind.getAsLong() + state.unfinished() : -1;
    }
}
