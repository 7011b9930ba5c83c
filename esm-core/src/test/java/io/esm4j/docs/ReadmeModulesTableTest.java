package io.esm4j.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's Modules table is what a user puts in a build file and a module-info: one row per module of the root
 * pom, each with the artifact id of its pom and the Java module of its module-info, and the group id and version
 * the text above it gives are the root pom's.
 */
class ReadmeModulesTableTest {

    private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\| `([^`]+)` \\| (?:`([^`]+)`|none[^|]*) \\|");

    @Test
    void theModulesTableNamesEachModulesArtifactAndJavaModule() throws IOException {
        Path root = RepositoryDocs.root();
        String readme = Files.readString(root.resolve("README.md"));
        String section = readme.substring(readme.indexOf("\n## Modules\n"), readme.indexOf("\nHow the engine is built"));
        DocsCommandsTest.Reactor reactor = DocsCommandsTest.Reactor.read(root);
        List<String> modules = new ArrayList<>();
        for (String line : section.lines().filter(l -> l.startsWith("| `")).toList()) {
            Matcher row = ROW.matcher(line);
            assertThat(row.find()).as(line).isTrue();
            String module = row.group(1);
            modules.add(module);
            assertThat(reactor.artifacts()).as("artifact id of " + module).containsEntry(row.group(2), module);
            Path moduleInfo = root.resolve(module).resolve("src/main/java/module-info.java");
            if (row.group(3) == null) {
                assertThat(moduleInfo).as(module + " has no module-info").doesNotExist();
            } else {
                assertThat(Files.readString(moduleInfo)).as(moduleInfo.toString())
                        .containsPattern("(?m)^(open )?module " + Pattern.quote(row.group(3)) + " \\{");
            }
        }
        assertThat(modules).containsExactlyInAnyOrderElementsOf(reactor.poms().keySet());

        String rootPom = Files.readString(root.resolve("pom.xml"));
        String project = rootPom.substring(0, rootPom.indexOf("<properties>"));
        Matcher group = Pattern.compile("<groupId>([^<]+)</groupId>").matcher(project);
        Matcher version = Pattern.compile("<version>([^<]+)</version>").matcher(project);
        assertThat(group.find() && version.find()).isTrue();
        assertThat(section).contains("the group id `" + group.group(1) + "` and the version `" + version.group(1) + "`");
    }
}
