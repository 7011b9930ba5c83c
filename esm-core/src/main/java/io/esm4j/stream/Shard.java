package io.esm4j.stream;

import java.util.List;
import java.util.Objects;

/**
 * A shard as listed by its source.
 *
 * @param shardId   the shard's id
 * @param parentIds the shards this one was split or merged from (a merge has two); empty for an original shard.
 *                  The engine starts a shard only after every listed parent has reached its end.
 */
public record Shard(String shardId, List<String> parentIds) {

    public Shard {
        Objects.requireNonNull(shardId, "shardId");
        parentIds = List.copyOf(parentIds);
    }

    public static Shard root(String shardId) {
        return new Shard(shardId, List.of());
    }
}
