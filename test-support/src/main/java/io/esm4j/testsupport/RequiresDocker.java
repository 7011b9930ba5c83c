package io.esm4j.testsupport;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Skips the test class, with one INFO log line, when no Docker engine answers ({@link DockerProbe}). Place it before
 * {@code @Testcontainers}: JUnit stops at the first condition that disables a class, so Testcontainers then never
 * searches for Docker and never logs its "Could not find a valid Docker environment" ERROR.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ExtendWith(DockerCondition.class)
// The condition stays package-private: JUnit reaches it through the module's opens, users only need the annotation.
@SuppressWarnings("exports")
public @interface RequiresDocker {
}
