/**
 * Lambda's filter criteria and the per-source documents they are matched against (esm-core/FILTERS.md).
 *
 * <p>Null-marked: a type without {@code @Nullable} is never null.
 */
@NullMarked
package io.esm4j.filter;

import org.jspecify.annotations.NullMarked;
