/**
 * The queue-source SPI: receiving, deleting and hiding messages.
 *
 * <p>Null-marked: a type without {@code @Nullable} is never null.
 */
@NullMarked
package io.esm4j.queue;

import org.jspecify.annotations.NullMarked;
