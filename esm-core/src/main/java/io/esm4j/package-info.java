/**
 * Stream and queue event source mappings: {@link io.esm4j.EventSourceMapping},
 * {@link io.esm4j.QueueEventSourceMapping}, their states and stop results.
 *
 * <p>Null-marked: a type without {@code @Nullable} is never null.
 */
@NullMarked
package io.esm4j;

import org.jspecify.annotations.NullMarked;
