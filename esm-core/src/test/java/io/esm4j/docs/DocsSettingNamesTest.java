package io.esm4j.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A name in a code span that reads like a setting's ({@code Maximum...}, {@code ...Interval}-style families such as
 * {@code Retry...}, {@code Idle...}, {@code Checkpoint...}) is one the code knows: a string literal of some module's
 * main code (where every setting's name is defined once), a type, or an enum constant; or one of the few AWS names
 * listed here. A setting renamed in the code, or named in a shortened form in the docs, cannot stay there.
 */
class DocsSettingNamesTest {

    private static final Pattern SETTING_LIKE = Pattern.compile("`((?:Maximum|Max|Minimum|Min|Retry|Idle|ShardSync"
            + "|Checkpoint|Failover|Graceful|Tumbling|ReceiveWait|Visibility|Bisect|Starting|Parallelization|Throttle"
            + "|Completed|InProgress|Payload|Revoke|Cleanup|Table|KeyPrefix|Kcl)[A-Za-z]*)`");
    private static final Pattern LITERAL = Pattern.compile("\"([A-Z][A-Za-z]+)\"");
    private static final Pattern TYPE = Pattern.compile("\\b(?:class|interface|record|enum)\\s+([A-Z][A-Za-z0-9]*)");
    private static final Pattern ENUM_CONSTANT = Pattern.compile("(?m)^\\s+([A-Z][A-Za-z0-9_]*)\\s*[,;(]");
    /** SQS's queue and receive attributes, SNS's throttling error code. */
    private static final Set<String> AWS_NAMES = Set.of("MaxNumberOfMessages", "MaximumMessageSize",
            "VisibilityTimeout", "Throttled");

    @Test
    void everySettingLikeNameInTheDocsIsKnownToTheCode() {
        Path root = RepositoryDocs.root();
        Set<String> known = knownNames(root);
        assertThat(known).contains("MaximumRecordAgeInSeconds", "IdlePollInterval", "CompletedTtl", "KclLeaseTable",
                "RetryAttemptsExhausted").doesNotContain("MaximumRecordAge");
        assertThat(RepositoryDocs.unknownNames(SETTING_LIKE, name -> known.contains(name) || AWS_NAMES.contains(name),
                "is no setting, type or constant of the code")).isEmpty();
    }

    /** String literals of the main code, and type names and enum constants of all code (tests name classes too). */
    static Set<String> knownNames(Path root) {
        Set<String> names = new HashSet<>();
        try (Stream<Path> modules = Files.list(root)) {
            for (Path module : modules.filter(Files::isDirectory).toList()) {
                Path src = module.resolve("src");
                if (!Files.isDirectory(src)) {
                    continue;
                }
                try (Stream<Path> files = Files.walk(src)) {
                    for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                        String text = Files.readString(file);
                        TYPE.matcher(text).results().forEach(m -> names.add(m.group(1)));
                        if (text.contains("enum ")) {
                            ENUM_CONSTANT.matcher(text).results().forEach(m -> names.add(m.group(1)));
                        }
                        if (file.toString().contains("/src/main/")) {
                            LITERAL.matcher(text).results().forEach(m -> names.add(m.group(1)));
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names;
    }
}
