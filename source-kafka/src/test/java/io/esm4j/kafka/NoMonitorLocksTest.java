package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The project's rule for engine code, held for this module's: no {@code synchronized} (a virtual thread blocked in one
 * pins its carrier on Java 21-23, and a monitor cannot be waited on with a deadline); java.util.concurrent locks or
 * lock-free structures instead.
 */
class NoMonitorLocksTest {

    /** Comments, then string and char literals: what they say of {@code synchronized} is no use of it. */
    private static final Pattern NOT_CODE = Pattern.compile(
            "//[^\\n]*|/\\*.*?\\*/|\"(?:\\\\.|[^\"\\\\])*\"|'(?:\\\\.|[^'\\\\])*'", Pattern.DOTALL);
    private static final Pattern SYNCHRONIZED = Pattern.compile("\\bsynchronized\\b");

    @Test
    void noMainSourceUsesSynchronized() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String code = NOT_CODE.matcher(Files.readString(file)).replaceAll(" ");
                if (SYNCHRONIZED.matcher(code).find()) {
                    found.add(file.toString());
                }
            }
        }
        assertThat(found).as("main sources with synchronized").isEmpty();
    }
}
