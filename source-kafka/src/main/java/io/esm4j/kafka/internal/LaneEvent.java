package io.esm4j.kafka.internal;

import io.esm4j.internal.stream.ShardPipeline;

/** What a partition's lanes tell the poll thread, through its queue (lanes never touch the consumer). */
sealed interface LaneEvent {

    PartitionState state();

    /** The done prefix moved: offsets before {@code nextOffset} may be committed. */
    record Progressed(PartitionState state, long nextOffset) implements LaneEvent {}

    /** A lane failed outside the handler: the pipeline is replaced. */
    record Failed(PartitionState state, ShardPipeline<?> pipeline, Throwable cause) implements LaneEvent {}

    /** The pipeline's last lane ended. */
    record LanesEnded(PartitionState state, ShardPipeline<?> pipeline) implements LaneEvent {}
}
