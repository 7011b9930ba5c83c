/**
 * Kinesis Data Streams as the source of a stream mapping: {@link io.esm4j.kinesis.KinesisStreamSource}, the
 * Lambda-shaped {@link io.esm4j.kinesis.KinesisRecord} and {@link io.esm4j.kinesis.KinesisLambdaAdapter} for handlers
 * written for Lambda.
 *
 * <p>Null-marked: a type without {@code @Nullable} is never null.
 */
@NullMarked
package io.esm4j.kinesis;

import org.jspecify.annotations.NullMarked;
