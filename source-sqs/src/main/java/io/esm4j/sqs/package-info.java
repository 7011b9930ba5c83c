/**
 * SQS queues as the source of a queue mapping: {@link io.esm4j.sqs.SqsQueueSource}, the Lambda-shaped
 * {@link io.esm4j.sqs.SqsMessage} and {@link io.esm4j.sqs.SqsLambdaAdapter} for handlers written for Lambda.
 *
 * <p>Null-marked: a type without {@code @Nullable} is never null.
 */
@NullMarked
package io.esm4j.sqs;

import org.jspecify.annotations.NullMarked;
