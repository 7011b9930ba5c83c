/**
 * The names and tags of the Micrometer meters a mapping registers.
 *
 * <p>Null-marked: a type without {@code @Nullable} is never null.
 */
@NullMarked
package io.esm4j.metrics;

import org.jspecify.annotations.NullMarked;
