/**
 * On-failure destinations: {@link io.esm4j.sinks.SqsFailureDestination}.
 *
 * <p>Null-marked: a type without {@code @Nullable} is never null.
 */
@NullMarked
package io.esm4j.sinks;

import org.jspecify.annotations.NullMarked;
