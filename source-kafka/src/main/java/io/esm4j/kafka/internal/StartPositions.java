package io.esm4j.kafka.internal;

import io.esm4j.internal.handler.Fatal;
import io.esm4j.internal.stream.StreamContext;
import io.esm4j.kafka.KafkaAuthResults;
import io.esm4j.kafka.KafkaRecord;
import io.esm4j.settings.StartingPosition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a newly assigned partition without a committed offset starts, for LATEST and AT_TIMESTAMP: the mapping looks
 * it up itself (the end, or the first offset at or after the timestamp) and commits it at once, before the partition
 * reads anything. Left to {@code auto.offset.reset}, a LATEST partition would have no committed offset until a record
 * is done, and whoever read it next (another member of the group, the same mapping restarted) would start at the end
 * of that moment, skipping what was written in between. Until its start is known and committed, a partition stays
 * paused; a lookup or commit that fails is tried again with backoff, never replaced by another starting position.
 * Committed offsets win, as in Lambda. TRIM_HORIZON needs none of this: {@code auto.offset.reset=earliest} is its
 * start. A partition created after the mapping started (added to a topic, or of a topic created later) starts at its
 * earliest offset instead, as Lambda reads new partitions: the consumer learns of it only at a metadata refresh
 * ({@code metadata.max.age.ms}, 5 minutes by default), and its end by then would skip what was written to it meanwhile.
 * So does a partition of a topic deleted and created again while the mapping ran (found by its lost committed offset).
 * And a topic on which the group already had committed offsets when the mapping started is the existing group's, whose
 * StartingPosition Lambda ignores: its partitions without one (added while no member ran, say) start at their earliest
 * offset too. That look is taken before the mapping joins the group, so the starts that other members of a new group
 * commit for their own assignments are not taken for an existing group's offsets (unless the broker did not answer
 * then and the look is tried again after joining). Poll thread only.
 */
final class StartPositions {

    private static final Logger LOG = LoggerFactory.getLogger(StartPositions.class);
    private static final String COMPONENT = "start positions";
    /** How long one lookup or commit may take: the poll thread waits for it, and other partitions with it. */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);

    private final StreamContext<KafkaRecord> ctx;
    private final Consumer<byte[], byte[]> consumer;
    private final Map<TopicPartition, PartitionState> owned;
    private final List<String> topics;
    /**
     * Per topic, the first partition number that starts at the earliest offset rather than at StartingPosition when it
     * has no committed offset: the topic's partition count when the mapping started (Kafka numbers a topic's
     * partitions from 0 and only adds, so partitions numbered from there were created later), or 0 for a topic that did
     * not exist then or on which the group had committed offsets. Null until looked up.
     */
    private @Nullable Map<String, Integer> partitionsAtStart;
    /**
     * Partitions this mapping has owned with a start: one of them assigned again without a committed offset lost it
     * meanwhile, because its topic was deleted (which deletes the group's offsets on it) and created again. Its
     * records are all new to the mapping, as those of a partition created after the start are.
     */
    private final Set<TopicPartition> startedBefore = new HashSet<>();
    /** Partitions whose start is not committed yet, with the start once looked up (-1 before). */
    private final Map<PartitionState, Long> pending = new LinkedHashMap<>();
    private int failuresInARow;
    private long retryAtNanos;

    /** Where a refused lookup shows Lambda's message, as a refused poll does. */
    private final AuthResults authResults;
    /**
     * Where a failed lookup goes as well, for {@link TopicRefusals}: the consumer reports a topic's refusal once, from
     * whichever call meets it, and a lookup that did leaves no poll to report it.
     */
    private final java.util.function.Consumer<Throwable> refusals;

    StartPositions(StreamContext<KafkaRecord> ctx, Consumer<byte[], byte[]> consumer,
                   Map<TopicPartition, PartitionState> owned, List<String> topics, AuthResults authResults,
                   java.util.function.Consumer<Throwable> refusals) {
        this.ctx = ctx;
        this.authResults = authResults;
        this.refusals = refusals;
        this.consumer = consumer;
        this.owned = owned;
        this.topics = List.copyOf(topics);
        // Due at once: the first resolveDue looks at the topics before the consumer joins the group.
        this.retryAtNanos = System.nanoTime();
    }

    /** Whether the mapping looks starts up itself: TRIM_HORIZON's is the consumer's {@code earliest}. */
    private boolean needed() {
        return ctx.settings().startingPosition() != StartingPosition.TRIM_HORIZON;
    }

    /**
     * Newly assigned partitions (their consumer position not moved yet): those that need a start looked up are paused
     * until {@link #resolveDue} has committed it.
     */
    void assigned(Collection<PartitionState> states) {
        if (!needed() || states.isEmpty()) {
            return;
        }
        List<TopicPartition> pause = new ArrayList<>();
        for (PartitionState state : states) {
            state.startPending = true;
            state.paused = true;
            pending.put(state, -1L);
            pause.add(state.partition);
        }
        consumer.pause(pause);
        retryAtNanos = System.nanoTime();
    }

    /**
     * Looks up the topics' partitions at the mapping's start (first call) and then commits the pending starts, unless
     * the last failure's backoff is still running.
     */
    void resolveDue() {
        if (!needed() || (pending.isEmpty() && partitionsAtStart != null)
                || System.nanoTime() - retryAtNanos < 0) {
            return;
        }
        // Let go meanwhile (revoke, loss): the next owner looks for itself.
        pending.keySet().removeIf(state -> owned.get(state.partition) != state);
        try {
            if (partitionsAtStart == null) {
                partitionsAtStart = partitionCounts();
            }
            if (!pending.isEmpty()) {
                resolve();
            }
            if (failuresInARow > 0) {
                failuresInARow = 0;
                ctx.status().resolved(COMPONENT);
                authResults.takeBack(COMPONENT);
            }
        } catch (WakeupException e) {
            // stop() woke the consumer: the loop sees the stop next; nothing failed.
        } catch (RuntimeException e) {
            Fatal.rethrowIfFatal(e);
            failuresInARow++;
            retryAtNanos = System.nanoTime() + ctx.backoff().delay(failuresInARow).toNanos();
            ctx.status().problem(COMPONENT, (partitionsAtStart == null
                    ? "PROBLEM: looking up the topics' partitions at the start failed; " + pending.size()
                            + " partitions assigned wait for it: "
                    : "PROBLEM: looking up where " + pending.size() + " partitions start failed; they wait: ")
                    + Fatal.describe(e));
            KafkaAuthResults.ofPollFailure(e).ifPresent(message -> authResults.show(COMPONENT, message));
            refusals.accept(e);
            LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("partitions", partitions())
                    .addKeyValue("failuresInARow", failuresInARow).setCause(e)
                    .log("could not look up or commit the starting position; the partitions stay paused and it is "
                            + "tried again");
        }
    }

    /**
     * Each topic's partition count now, or 0 if the topic does not exist or the group has committed offsets on it (see
     * {@link #partitionsAtStart}).
     */
    private Map<String, Integer> partitionCounts() {
        Map<String, Integer> counts = new HashMap<>();
        List<String> existingGroup = new ArrayList<>();
        for (String topic : topics) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, CALL_TIMEOUT);
            Set<TopicPartition> partitions = new HashSet<>();
            for (PartitionInfo info : infos == null ? List.<PartitionInfo>of() : infos) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            boolean committed = !partitions.isEmpty() && consumer.committed(partitions, CALL_TIMEOUT).values()
                    .stream().anyMatch(Objects::nonNull);
            if (committed) {
                existingGroup.add(topic);
            }
            counts.put(topic, committed ? 0 : partitions.size());
        }
        LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("partitionsAtStart", counts)
                .addKeyValue("topicsWithCommittedOffsets", existingGroup)
                .log("topics looked at before joining: partitions numbered from partitionsAtStart that have no "
                        + "committed offset start at their earliest offset");
        return counts;
    }

    /**
     * Whether the partition, which has no committed offset, starts at its earliest offset: it was created after the
     * mapping started, or the group had committed offsets on its topic then, or its topic was created again since
     * this mapping read it.
     */
    private boolean startsAtEarliest(TopicPartition partition) {
        Map<String, Integer> counts = Objects.requireNonNull(partitionsAtStart, "partitions at start");
        return partition.partition() >= counts.getOrDefault(partition.topic(), 0) || startedBefore.contains(partition);
    }

    private void resolve() {
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions()),
                CALL_TIMEOUT);
        List<PartitionState> fresh = new ArrayList<>();
        for (Map.Entry<PartitionState, Long> entry : pending.entrySet()) {
            if (entry.getValue() < 0 && committed.get(entry.getKey().partition) == null) {
                fresh.add(entry.getKey());
            }
        }
        lookUp(fresh);
        Map<TopicPartition, OffsetAndMetadata> starts = new HashMap<>();
        pending.forEach((state, start) -> {
            if (start >= 0) {
                // Also a start looked up by an earlier attempt whose commit failed.
                consumer.seek(state.partition, start);
                starts.put(state.partition, new OffsetAndMetadata(start));
            }
        });
        if (!starts.isEmpty()) {
            consumer.commitSync(starts, CALL_TIMEOUT);
        }
        pending.forEach((state, start) -> {
            if (start >= 0) {
                state.committed = start;
                // CommittedEventCount counts from here: nothing before the start was this mapping's.
                state.firstOffset = start;
            }
            state.startPending = false;
            startedBefore.add(state.partition);
        });
        LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("startingPosition",
                        ctx.settings().startingPosition()).addKeyValue("committedStarts", starts.size())
                .addKeyValue("partitions", partitions().size()).log("partitions' starting positions resolved");
        pending.clear();
    }

    /**
     * Finds the start of partitions without a committed offset and notes it in {@link #pending}: the earliest offset
     * of those created after the mapping started or of an existing group's topic, StartingPosition's for the others.
     */
    private void lookUp(List<PartitionState> fresh) {
        List<PartitionState> atEarliest = new ArrayList<>();
        List<PartitionState> atStartingPosition = new ArrayList<>();
        for (PartitionState state : fresh) {
            (startsAtEarliest(state.partition) ? atEarliest : atStartingPosition).add(state);
        }
        startAtEarliest(atEarliest);
        startAtStartingPosition(atStartingPosition);
    }

    private void startAtEarliest(List<PartitionState> states) {
        if (states.isEmpty()) {
            return;
        }
        List<TopicPartition> partitions = states.stream().map(state -> state.partition).toList();
        Map<TopicPartition, Long> beginnings = consumer.beginningOffsets(partitions, CALL_TIMEOUT);
        for (PartitionState state : states) {
            Long beginning = beginnings.get(state.partition);
            if (beginning == null) {
                throw new IllegalStateException("the broker gave no beginning offset of " + state.shardId);
            }
            pending.put(state, beginning);
        }
        LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("partitions", partitions)
                .log("partitions created after the mapping started, of a topic the group had offsets on, or of "
                        + "a topic deleted and created again: read from their earliest offset");
    }

    private void startAtStartingPosition(List<PartitionState> states) {
        if (states.isEmpty()) {
            return;
        }
        List<TopicPartition> toEnd = new ArrayList<>();
        if (ctx.settings().startingPosition() == StartingPosition.AT_TIMESTAMP) {
            long at = Objects.requireNonNull(ctx.settings().startingPositionTimestamp(), "AT_TIMESTAMP's timestamp")
                    .toEpochMilli();
            Map<TopicPartition, Long> times = new HashMap<>();
            states.forEach(state -> times.put(state.partition, at));
            Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(times, CALL_TIMEOUT);
            for (PartitionState state : states) {
                OffsetAndTimestamp offset = found.get(state.partition);
                if (offset == null) {
                    toEnd.add(state.partition);
                } else {
                    pending.put(state, offset.offset());
                }
            }
        } else {
            states.forEach(state -> toEnd.add(state.partition));
        }
        if (toEnd.isEmpty()) {
            return;
        }
        consumer.seekToEnd(toEnd);
        for (PartitionState state : states) {
            if (toEnd.contains(state.partition)) {
                pending.put(state, consumer.position(state.partition, CALL_TIMEOUT));
            }
        }
    }

    private List<TopicPartition> partitions() {
        return pending.keySet().stream().map(state -> state.partition).toList();
    }
}
