/**
 * Mapping settings with Lambda's names, ranges and defaults; an invalid value fails when the settings are built.
 *
 * <p>Null-marked: a type without {@code @Nullable} is never null.
 */
@NullMarked
package io.esm4j.settings;

import org.jspecify.annotations.NullMarked;
