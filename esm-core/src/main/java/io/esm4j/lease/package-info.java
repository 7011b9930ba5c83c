/**
 * Shard leases with fencing counters and checkpoints, through which workers share a stream (esm-core/LEASES.md).
 *
 * <p>Null-marked: a type without {@code @Nullable} is never null.
 */
@NullMarked
package io.esm4j.lease;

import org.jspecify.annotations.NullMarked;
