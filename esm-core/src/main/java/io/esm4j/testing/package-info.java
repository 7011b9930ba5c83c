/**
 * In-memory stream and queue sources, and a settable clock, for tests, examples and benchmarks.
 *
 * <p>Null-marked: a type without {@code @Nullable} is never null.
 */
@NullMarked
package io.esm4j.testing;

import org.jspecify.annotations.NullMarked;
