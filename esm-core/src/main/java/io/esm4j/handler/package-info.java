/**
 * What a handler sees and answers: {@link io.esm4j.handler.Batch}, {@link io.esm4j.handler.BatchResult}, tumbling
 * windows, and Lambda JSON responses.
 *
 * <p>Null-marked: a type without {@code @Nullable} is never null.
 */
@NullMarked
package io.esm4j.handler;

import org.jspecify.annotations.NullMarked;
