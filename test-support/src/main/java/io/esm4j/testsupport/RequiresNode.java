package io.esm4j.testsupport;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The test class needs Node.js ({@code node} and {@code npm} on the PATH). Without them it is skipped with one log
 * line, so that a build with only a JDK passes; but with the environment variable {@code CI=true} it fails, saying
 * what is missing, so that CI never skips it unnoticed.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ExtendWith(NodeCondition.class)
// The condition stays package-private: JUnit reaches it through the module's opens, users only need the annotation.
@SuppressWarnings("exports")
public @interface RequiresNode {
}
