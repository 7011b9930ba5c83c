package io.esm4j.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * What a user's build gets from the library artifacts' published poms, which is not what this build resolves: the
 * root pom's dependencyManagement (its version pins and BOMs) applies inside this build only. So a library module's
 * pom must not hand a user a version only its tests need, nor a jar only some of its classes need, nor leave a
 * third-party library's own (different) Netty or Jackson to win in the user's build.
 */
class PublishedPomsTest {

    /** The artifacts a library user adds (README, "Modules"); test-support, examples, bench and worker are not. */
    private static final List<String> LIBRARY_MODULES = List.of("esm-core", "source-sqs", "source-kinesis",
            "source-dynamodb", "source-kafka", "sinks", "state-dynamodb", "state-redis");

    /** Build- and test-only artifacts: never on a user's compile or runtime path. */
    private static final List<String> TEST_ONLY = List.of("junit", "assertj", "awaitility", "elasticmq",
            "testcontainers", "embedded-kafka", "embedded-redis", "s3proxy", "slf4j-simple", "logback",
            "esm4j-test-support",
            "kinesis-client", "jmh", "aws-lambda-java-serialization", "parallel-consumer", "protobuf-java-util");

    /**
     * Libraries whose own poms ask for another Netty or Jackson than the root pom pins (found with dependency:tree in a
     * project outside this build), and the artifacts of theirs a module must then declare itself: a direct
     * dependency is nearer than theirs, so the user gets the pinned version, the one the module is tested with.
     */
    private static final Map<String, List<String>> PIN_THROUGH_DIRECT_DEPENDENCY = Map.of(
            "lettuce-core", List.of("netty-common", "netty-handler", "netty-transport", "netty-resolver-dns"),
            "avro", List.of("jackson-core", "jackson-databind"),
            "json-schema-validator", List.of("jackson-databind", "jackson-dataformat-yaml"));

    record Dependency(String groupId, String artifactId, String version, String scope, boolean optional) {
        boolean reachesUsers() {
            return !optional && (scope.equals("compile") || scope.equals("runtime"));
        }
    }

    @Test
    void noLibraryModuleGivesUsersATestOnlyArtifactOrAVersionOfItsOwn() throws Exception {
        List<String> problems = new ArrayList<>();
        for (String module : LIBRARY_MODULES) {
            for (Dependency d : dependencies(module)) {
                String name = module + ": " + d.groupId() + ":" + d.artifactId();
                if (!d.scope().equals("test") && TEST_ONLY.stream().anyMatch(d.artifactId()::contains)) {
                    problems.add(name + " is test- or build-only but has scope " + d.scope());
                }
                if (d.reachesUsers() && !d.version().isEmpty() && !d.version().equals("${project.version}")) {
                    problems.add(name + " reaches users at its own version " + d.version()
                            + ", expected none (the root pom's pin) or an optional dependency");
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void theLambdaEventJarsAreOptionalInEveryLibraryModule() throws Exception {
        List<String> problems = new ArrayList<>();
        for (String module : LIBRARY_MODULES) {
            dependencies(module).stream()
                    .filter(d -> d.groupId().equals("com.amazonaws") && d.artifactId().startsWith("aws-lambda-java-"))
                    .filter(Dependency::reachesUsers)
                    .forEach(d -> problems.add(module + ": " + d.artifactId() + " reaches every user (scope "
                            + d.scope() + "), expected optional: only the Lambda adapter needs it"));
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void nettyAndJacksonReachUsersAtTheRootPomsVersions() throws Exception {
        List<String> problems = new ArrayList<>();
        for (String module : LIBRARY_MODULES) {
            List<Dependency> dependencies = dependencies(module);
            List<String> direct = dependencies.stream().filter(Dependency::reachesUsers)
                    .map(Dependency::artifactId).toList();
            PIN_THROUGH_DIRECT_DEPENDENCY.forEach((library, needed) -> {
                if (direct.contains(library)) {
                    needed.stream().filter(artifact -> !direct.contains(artifact)).forEach(artifact -> problems.add(
                            module + " brings " + library + " but does not declare " + artifact
                                    + ", so a user gets " + library + "'s version of it instead of the root pom's"));
                }
            });
        }
        assertThat(problems).isEmpty();
    }

    /**
     * javac resolves a module's transitive requirements, static ones too, whenever it compiles a module that reads it:
     * a {@code requires static transitive} of a jar that is optional in Maven (the Lambda events, Glue) made every
     * user module that requires the source fail with "module not found" unless it added that jar. Only JSpecify,
     * which every user gets at compile scope, may be required so.
     */
    @Test
    void aLibraryModuleRequiresStaticTransitiveOnlyWhatEveryUserHas() throws Exception {
        List<String> problems = new ArrayList<>();
        Pattern staticTransitive = Pattern.compile(
                "(?m)^\\s*requires\\s+(?:static\\s+transitive|transitive\\s+static)\\s+([\\w.]+);");
        for (String module : LIBRARY_MODULES) {
            String moduleInfo = Files.readString(
                    RepositoryDocs.root().resolve(module).resolve("src/main/java/module-info.java"));
            staticTransitive.matcher(moduleInfo).results().map(m -> m.group(1))
                    .filter(name -> !name.equals("org.jspecify"))
                    .forEach(name -> problems.add(module + " requires static transitive " + name + ": a user"
                            + " module reading it does not compile without that jar; expected requires static"));
        }
        assertThat(problems).isEmpty();
    }

    /**
     * The BOM a user imports names every library artifact at the root pom's version, and nothing it would inherit:
     * importing a BOM imports its whole dependencyManagement, and esm4j-parent's pins JUnit, Testcontainers and the
     * rest of this build's test libraries.
     */
    @Test
    void theBomNamesEveryLibraryArtifactAtTheBuildsVersionAndHasNoParent() throws Exception {
        Path root = RepositoryDocs.root();
        String bom = Files.readString(root.resolve("bom/pom.xml"));
        assertThat(bom).doesNotContain("<parent>");
        String rootPom = Files.readString(root.resolve("pom.xml"));
        String version = rootPom.substring(rootPom.indexOf("<artifactId>esm4j-parent</artifactId>"))
                .replaceAll("(?s)^.*?<version>([^<]+)</version>.*$", "$1");
        assertThat(bom).contains("<artifactId>esm4j-bom</artifactId>\n  <version>" + version + "</version>");
        List<String> expected = new ArrayList<>();
        for (String module : LIBRARY_MODULES) {
            String pom = Files.readString(root.resolve(module).resolve("pom.xml"));
            expected.add(pom.substring(pom.indexOf("</parent>"))
                    .replaceAll("(?s)^.*?<artifactId>([^<]+)</artifactId>.*$", "$1"));
        }
        List<String> managed = Pattern.compile("<artifactId>([^<]+)</artifactId>\\s*<version>\\$\\{project.version}")
                .matcher(bom).results().map(m -> m.group(1)).toList();
        assertThat(managed).containsExactlyInAnyOrderElementsOf(expected);
    }

    private static List<Dependency> dependencies(String module) throws Exception {
        Path pom = RepositoryDocs.root().resolve(module).resolve("pom.xml");
        Element project = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile())
                .getDocumentElement();
        List<Dependency> found = new ArrayList<>();
        for (Node n = project.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element dependencies && dependencies.getTagName().equals("dependencies")) {
                for (Node d = dependencies.getFirstChild(); d != null; d = d.getNextSibling()) {
                    if (d instanceof Element dependency) {
                        found.add(new Dependency(text(dependency, "groupId"), text(dependency, "artifactId"),
                                text(dependency, "version"), text(dependency, "scope").isEmpty() ? "compile"
                                        : text(dependency, "scope"), text(dependency, "optional").equals("true")));
                    }
                }
            }
        }
        assertThat(found).as("dependencies of " + pom).isNotEmpty();
        return found;
    }

    private static String text(Element parent, String tag) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(tag)) {
                return e.getTextContent().trim();
            }
        }
        return "";
    }
}
