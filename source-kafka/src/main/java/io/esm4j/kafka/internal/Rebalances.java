package io.esm4j.kafka.internal;

import io.esm4j.MappingState;
import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.stream.StreamContext;
import io.esm4j.kafka.KafkaRecord;
import io.esm4j.kafka.KafkaSource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rebalance callbacks of a Kafka mapping's consumer, run on its poll thread inside a poll: partitions assigned are
 * taken on (their start positions looked up) unless the mapping stops; revoked ones are drained, committed and let
 * go by the revoke timeout or the stop's deadline, whichever comes first; lost ones are let go without a commit.
 */
final class Rebalances implements ConsumerRebalanceListener {

    private static final Logger LOG = LoggerFactory.getLogger(Rebalances.class);

    private final StreamContext<KafkaRecord> ctx;
    private final KafkaSource source;
    private final Consumer<byte[], byte[]> consumer;
    private final KafkaMetrics metrics;
    private final Partitions partitions;
    private final StartPositions starts;
    private final StopCommit stopCommit;
    private final BooleanSupplier stopping;
    /** The stop's deadline, once a stop is requested (Instant.MAX until then). */
    private final Supplier<Instant> stopDeadline;

    Rebalances(StreamContext<KafkaRecord> ctx, KafkaSource source, Consumer<byte[], byte[]> consumer,
               KafkaMetrics metrics, Partitions partitions, StartPositions starts, StopCommit stopCommit,
               BooleanSupplier stopping, Supplier<Instant> stopDeadline) {
        this.ctx = ctx;
        this.source = source;
        this.consumer = consumer;
        this.metrics = metrics;
        this.partitions = partitions;
        this.starts = starts;
        this.stopCommit = stopCommit;
        this.stopping = stopping;
        this.stopDeadline = stopDeadline;
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
        metrics.rebalances.increment();
        stopCommit.rebalanceCompleted();
        if (stopping.getAsBoolean()) {
            // Assigned by a rebalance that the stop's commit waits out (or that completed in the last poll): not
            // read, no start position looked up or committed; closing the consumer gives them back.
            consumer.pause(assigned);
            if (!assigned.isEmpty()) {
                LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("partitions", assigned)
                        .log("partitions assigned while stopping: left paused, not taken on");
            }
            return;
        }
        ctx.status().advance(MappingState.ENABLING, MappingState.ENABLED, MappingStatus.USER_ACTION);
        if (assigned.isEmpty()) {
            return;
        }
        metrics.assigned.increment(assigned.size());
        List<PartitionState> added = new ArrayList<>();
        for (TopicPartition partition : assigned) {
            added.add(partitions.add(partition));
        }
        starts.assigned(added);
        starts.resolveDue();
        LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("partitions", assigned)
                .log("partitions assigned");
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
        List<PartitionState> states = partitions.owned(revoked);
        if (states.isEmpty()) {
            return;
        }
        metrics.revoked.increment(states.size());
        // A stop requested meanwhile ends the wait at its own deadline: stop() waits no longer than that.
        Instant revokeDeadline = Instant.now().plus(source.revokeTimeout());
        partitions.release(states, () -> {
            Instant stop = stopDeadline.get();
            return stop.isBefore(revokeDeadline) ? stop : revokeDeadline;
        }, true);
        LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("partitions", revoked)
                .log("partitions revoked: drained, committed and let go");
    }

    /** The membership is gone: the partitions may be another member's already, so nothing is committed. */
    @Override
    public void onPartitionsLost(Collection<TopicPartition> lostPartitions) {
        List<PartitionState> states = partitions.owned(lostPartitions);
        if (states.isEmpty()) {
            return;
        }
        metrics.lost.increment(states.size());
        partitions.release(states, Instant.now(), false);
        LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("partitions", lostPartitions)
                .log("partitions lost with the group membership; their results are dropped, nothing committed");
    }
}
