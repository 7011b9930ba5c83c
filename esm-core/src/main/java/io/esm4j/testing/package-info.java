/**
 * In-memory stream and queue sources, a settable clock, a recording handler, and a lease store and a stream source
 * that forward every call (to extend where a test watches or disturbs a few), for tests, examples and benchmarks.
 *
 * <p>Null-marked: a type without {@code @Nullable} is never null.
 */
@NullMarked
package io.esm4j.testing;

import org.jspecify.annotations.NullMarked;
