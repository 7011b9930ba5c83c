/**
 * JUnit conditions for integration tests: {@link io.esm4j.testsupport.RequiresDocker},
 * {@link io.esm4j.testsupport.RequiresNode}.
 *
 * <p>Null-marked: a type without {@code @Nullable} is never null.
 */
@NullMarked
package io.esm4j.testsupport;

import org.jspecify.annotations.NullMarked;
