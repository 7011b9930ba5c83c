/**
 * Redis or Valkey state for mappings: {@link io.esm4j.redis.RedisLeaseStore} (shard leases with fenced checkpoints,
 * for several workers per stream) and {@link io.esm4j.redis.RedisIdempotencyStore}.
 *
 * <p>Null-marked: a type without {@code @Nullable} is never null.
 */
@NullMarked
package io.esm4j.redis;

import org.jspecify.annotations.NullMarked;
