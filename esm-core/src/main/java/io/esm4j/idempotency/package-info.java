/**
 * Deduplication by idempotency key, in the manner of AWS Lambda Powertools Idempotency but per record: an engine
 * asks a {@link io.esm4j.idempotency.BatchDeduplicator} which records of a batch to hand to the handler, then reports
 * the outcome on the returned {@link io.esm4j.idempotency.Claim}. Keys live in an
 * {@link io.esm4j.idempotency.IdempotencyStore}; {@link io.esm4j.idempotency.InMemoryIdempotencyStore} is the bounded
 * in-process one. See {@code esm-core/IDEMPOTENCY.md}.
 *
 * <p>Null-marked: a type without {@code @Nullable} is never null.
 */
@NullMarked
package io.esm4j.idempotency;

import org.jspecify.annotations.NullMarked;
