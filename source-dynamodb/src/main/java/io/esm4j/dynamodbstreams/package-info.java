/**
 * DynamoDB Streams as the source of a stream mapping: {@link io.esm4j.dynamodbstreams.DynamoDbStreamSource}, the
 * Lambda-shaped {@link io.esm4j.dynamodbstreams.DynamoDbRecord}, {@link io.esm4j.dynamodbstreams.DynamoDbEventJson}
 * and {@link io.esm4j.dynamodbstreams.DynamoDbLambdaAdapter} for handlers written for Lambda.
 *
 * <p>Null-marked: a type without {@code @Nullable} is never null.
 */
@NullMarked
package io.esm4j.dynamodbstreams;

import org.jspecify.annotations.NullMarked;
