/**
 * In-memory stream and queue sources, a settable clock, a recording handler and a forwarding lease store, for
 * tests, examples and benchmarks.
 *
 * <p>Null-marked: a type without {@code @Nullable} is never null.
 */
@NullMarked
package io.esm4j.testing;

import org.jspecify.annotations.NullMarked;
