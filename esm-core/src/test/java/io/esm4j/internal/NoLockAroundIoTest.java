package io.esm4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The engine never blocks inside {@code synchronized}: on Java 21 a virtual thread that blocks there pins its
 * carrier, and a network call under a monitor can stall every virtual thread of a small host. Locks that must be
 * held are ReentrantLocks, and none is held across I/O or user code.
 */
class NoLockAroundIoTest {

    @Test
    void theEngineUsesNoSynchronized() throws IOException {
        Path engine = Path.of("src/main/java/io/esm4j/internal");
        assertThat(engine).isDirectory();
        try (Stream<Path> files = Files.walk(engine)) {
            List<Path> offenders = files.filter(p -> p.toString().endsWith(".java")).filter(p -> {
                try {
                    return Files.readString(p).lines().map(String::strip)
                            .filter(line -> !line.startsWith("*") && !line.startsWith("//"))
                            .anyMatch(line -> line.matches(".*\\bsynchronized\\b.*"));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
            assertThat(offenders).isEmpty();
        }
    }
}
