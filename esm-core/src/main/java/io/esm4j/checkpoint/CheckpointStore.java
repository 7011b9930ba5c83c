package io.esm4j.checkpoint;

import java.util.Optional;

/**
 * Durable per-shard progress. {@code mappingId} scopes the checkpoints of one event source mapping, so that two
 * mappings on the same stream keep their own progress. Implementations must be safe for concurrent use by
 * different shards.
 */
public interface CheckpointStore {

    Optional<Checkpoint> load(String mappingId, String shardId) throws Exception;

    void save(String mappingId, String shardId, Checkpoint checkpoint) throws Exception;
}
