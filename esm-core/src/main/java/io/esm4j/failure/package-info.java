/**
 * The on-failure destination SPI and the AWS-shaped failure record.
 *
 * <p>Null-marked: a type without {@code @Nullable} is never null.
 */
@NullMarked
package io.esm4j.failure;

import org.jspecify.annotations.NullMarked;
