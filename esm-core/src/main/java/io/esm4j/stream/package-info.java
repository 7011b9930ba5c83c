/**
 * The stream-source SPI: shards, readers and the records the engine reads from them.
 *
 * <p>Null-marked: a type without {@code @Nullable} is never null.
 */
@NullMarked
package io.esm4j.stream;

import org.jspecify.annotations.NullMarked;
