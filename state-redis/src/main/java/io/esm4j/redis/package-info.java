/**
 * Redis state for mappings: {@link io.esm4j.redis.RedisIdempotencyStore}, esm-core's idempotency store SPI on Redis
 * or Valkey.
 *
 * <p>Null-marked: a type without {@code @Nullable} is never null.
 */
@NullMarked
package io.esm4j.redis;

import org.jspecify.annotations.NullMarked;
