/**
 * DynamoDB state for stream mappings: {@link io.esm4j.dynamodb.DynamoDbLeaseStore} (shard leases with fenced
 * checkpoints, for several workers per stream) and {@link io.esm4j.dynamodb.DynamoDbIdempotencyStore}.
 *
 * <p>Null-marked: a type without {@code @Nullable} is never null.
 */
@NullMarked
package io.esm4j.dynamodb;

import org.jspecify.annotations.NullMarked;
