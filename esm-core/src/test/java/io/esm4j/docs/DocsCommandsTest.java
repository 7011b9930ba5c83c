package io.esm4j.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Maven commands the Markdown files give (in shell code blocks and in code spans) name what exists: each
 * {@code -pl} module, each {@code -P} profile, the {@code -Dexec.mainClass} in the module it runs in, each test class
 * of {@code -Dtest}, each {@code io.esm4j} class and each script of the repository they mention. An {@code exec:java}
 * with {@code -am} runs in every module the reactor builds that does not skip it, so such a command either skips the
 * modules it builds first ({@code -Dexec.skip=true}, with the named module's plugin set not to skip) or builds none
 * that runs a program of its own. Commands are checked token by token, not run: a wrong name fails here in a second.
 */
class DocsCommandsTest {

    private static final Pattern FENCE = Pattern.compile("^\\s*```\\s*(\\w*)\\s*$");
    private static final Pattern CODE_SPAN = Pattern.compile("`(\\./mvnw [^`]+)`");
    private static final Pattern ESM4J_CLASS = Pattern.compile("\\bio\\.esm4j(?:\\.[a-z0-9]+)*\\.[A-Z][A-Za-z0-9]*");
    private static final Pattern SCRIPT = Pattern.compile("(?<![\\w/.])([a-z][\\w-]*/[\\w./-]+\\.sh)\\b");
    private static final Pattern ARTIFACT = Pattern.compile("<artifactId>([^<]+)</artifactId>");
    private static final Pattern DEPENDENCY = Pattern.compile(
            "<dependency>\\s*<groupId>io\\.esm4j</groupId>\\s*<artifactId>([^<]+)</artifactId>");
    private static final Pattern PROFILE = Pattern.compile("<profile>\\s*<id>([^<]+)</id>");

    /** A command as the reader sees it: the Markdown file and line it starts on, its continuation lines joined. */
    record Command(String where, String text) {
        List<String> tokens() {
            return List.of(text.strip().split("\\s+"));
        }
    }

    @Test
    void everyCommandNamesModulesProfilesClassesAndScriptsThatExist() {
        Path root = RepositoryDocs.root();
        Reactor reactor = Reactor.read(root);
        List<String> problems = new ArrayList<>();
        List<Command> commands = new ArrayList<>();
        RepositoryDocs.markdownFiles().forEach(file -> commands.addAll(commands(root, file)));
        for (Command command : commands) {
            problems.addAll(problems(root, reactor, command));
        }
        assertThat(commands).hasSizeGreaterThan(20);
        assertThat(problems).isEmpty();
    }

    @Test
    void wrongNamesAreFound() {
        Path root = RepositoryDocs.root();
        Reactor reactor = Reactor.read(root);
        List<String> problems = problems(root, reactor, new Command("x.md:1", "./mvnw -q -pl esm-core,nope -am "
                + "-Pno-such-profile test-compile exec:java -Dexec.mainClass=io.esm4j.NoSuchMain "
                + "-Dtest='NoSuchTest,Nothing*Matches*Test' && bench/no-such.sh io.esm4j.bench.NoSuchClass"));
        assertThat(problems)
                .anySatisfy(p -> assertThat(p).contains("module nope"))
                .anySatisfy(p -> assertThat(p).contains("profile no-such-profile"))
                .anySatisfy(p -> assertThat(p).contains("io.esm4j.NoSuchMain").contains("esm-core"))
                .anySatisfy(p -> assertThat(p).contains("NoSuchTest"))
                .anySatisfy(p -> assertThat(p).contains("Nothing*Matches*Test"))
                .anySatisfy(p -> assertThat(p).contains("bench/no-such.sh"))
                .anySatisfy(p -> assertThat(p).contains("io.esm4j.bench.NoSuchClass"));
    }

    /** source-kinesis runs its example under exec:java; source-dynamodb's -am builds it first (for its tests). */
    @Test
    void anExecJavaThatWouldRunInAModuleBuiltFirstIsFound() {
        Path root = RepositoryDocs.root();
        Reactor reactor = Reactor.read(root);
        assertThat(reactor.upstream("state-dynamodb")).contains("source-kinesis", "esm-core");
        assertThat(problems(root, reactor, new Command("x.md:1",
                "./mvnw -q -pl state-dynamodb -am test-compile exec:java -Dexec.mainClass=io.esm4j.dynamodb.DynamoDbLeaseStore")))
                .singleElement().asString().contains("source-kinesis");
    }

    /** A test class the prose names (`KafkaFailureTopicTest`, `LeaseStoreContract`) is one a reader can find and run. */
    @Test
    void everyTestClassTheDocsNameExists() {
        Reactor reactor = Reactor.read(RepositoryDocs.root());
        Pattern testClass = Pattern.compile("`([A-Z][A-Za-z0-9]*(?:Test|Tests|Contract))`");
        assertThat(RepositoryDocs.unknownNames(testClass, reactor::hasSourceFile, "is no class of the repository"))
                .isEmpty();
    }

    static List<Command> commands(Path root, Path file) {
        String name = root.relativize(file).toString();
        List<String> lines = read(file);
        List<Command> commands = new ArrayList<>();
        String fence = null;
        StringBuilder pending = null;
        int pendingLine = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher opening = FENCE.matcher(line);
            if (fence == null) {
                if (opening.matches()) {
                    fence = opening.group(1);
                } else {
                    Matcher span = CODE_SPAN.matcher(line);
                    while (span.find()) {
                        commands.add(new Command(name + ":" + (i + 1), span.group(1)));
                    }
                }
                continue;
            }
            if (line.strip().startsWith("```")) {
                fence = null;
                continue;
            }
            if (!Set.of("sh", "bash", "").contains(fence)) {
                continue;
            }
            String code = line.replaceFirst("\\s+#.*$", "").replaceFirst("^\\s*#.*$", "");
            if (pending == null) {
                pending = new StringBuilder();
                pendingLine = i + 1;
            }
            boolean continued = code.endsWith("\\");
            pending.append(' ').append(continued ? code.substring(0, code.length() - 1) : code);
            if (!continued) {
                if (!pending.toString().isBlank()) {
                    commands.add(new Command(name + ":" + pendingLine, pending.toString().strip()));
                }
                pending = null;
            }
        }
        return commands;
    }

    static List<String> problems(Path root, Reactor reactor, Command command) {
        List<String> problems = new ArrayList<>();
        String at = command.where() + ": ";
        Matcher classes = ESM4J_CLASS.matcher(command.text());
        while (classes.find()) {
            if (reactor.modulesWithClass(classes.group()).isEmpty()) {
                problems.add(at + "no module has the class " + classes.group());
            }
        }
        Matcher scripts = SCRIPT.matcher(command.text());
        while (scripts.find()) {
            if (!scripts.group(1).contains("/target/") && !Files.isRegularFile(root.resolve(scripts.group(1)))) {
                problems.add(at + "no script " + scripts.group(1) + " in the repository");
            }
        }
        if (command.text().contains("mvnw")) {
            problems.addAll(mavenProblems(reactor, command, at));
        }
        return problems;
    }

    private static List<String> mavenProblems(Reactor reactor, Command command, String at) {
        List<String> problems = new ArrayList<>();
        List<String> tokens = command.tokens();
        List<String> modules = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            String token = tokens.get(i);
            if (token.equals("-pl") && i + 1 < tokens.size()) {
                modules.addAll(List.of(tokens.get(i + 1).split(",")));
            } else if (token.startsWith("-P")) {
                String ids = token.length() > 2 ? token.substring(2) : i + 1 < tokens.size() ? tokens.get(i + 1) : "";
                for (String id : ids.split(",")) {
                    if (!reactor.profiles().contains(id.replaceFirst("^[!-]", ""))) {
                        problems.add(at + "no pom has the profile " + id);
                    }
                }
            }
        }
        modules.stream().filter(module -> !reactor.poms().containsKey(module))
                .forEach(module -> problems.add(at + "no module " + module + " in the root pom"));
        for (String token : tokens) {
            String value = token.replace("'", "").replace("\"", "");
            if (value.startsWith("-Dexec.mainClass=")) {
                String main = value.substring("-Dexec.mainClass=".length());
                modules.stream().filter(module -> !reactor.modulesWithClass(main).contains(module)).forEach(module ->
                        problems.add(at + "exec.mainClass " + main + " is not a class of module " + module));
            } else if (value.startsWith("-Dtest=")) {
                for (String pattern : value.substring("-Dtest=".length()).split(",")) {
                    if (!reactor.hasTest(pattern)) {
                        problems.add(at + "no test class matches -Dtest pattern " + pattern);
                    }
                }
            }
        }
        if (tokens.contains("exec:java") && tokens.contains("-am")) {
            boolean skipped = tokens.contains("-Dexec.skip=true");
            for (String module : modules) {
                if (skipped && !reactor.pom(module).contains("<skip>false</skip>")) {
                    problems.add(at + "-Dexec.skip=true skips " + module + " too: its exec plugin does not set skip false");
                }
                if (!skipped) {
                    reactor.upstream(module).stream().filter(up -> !modules.contains(up))
                            .filter(up -> reactor.runsExec(up)).forEach(up -> problems.add(at + "exec:java runs in "
                                    + up + " too (-am builds it before " + module + ", and it does not skip exec); "
                                    + "add -Dexec.skip=true and set the exec plugin's skip to false in " + module));
                }
            }
        }
        return problems;
    }

    /** The root pom's modules: each one's pom without comments, its artifact id, its esm4j dependencies. */
    record Reactor(Path root, Map<String, String> poms, Map<String, String> artifacts, Set<String> profiles) {

        static Reactor read(Path root) {
            String rootPom = withoutComments(readString(root.resolve("pom.xml")));
            Map<String, String> poms = new TreeMap<>();
            Map<String, String> artifacts = new TreeMap<>();
            Set<String> profiles = new LinkedHashSet<>();
            PROFILE.matcher(rootPom).results().forEach(m -> profiles.add(m.group(1)));
            Pattern.compile("<module>([^<]+)</module>").matcher(rootPom).results().forEach(m -> {
                String pom = withoutComments(readString(root.resolve(m.group(1)).resolve("pom.xml")));
                poms.put(m.group(1), pom);
                Matcher artifact = ARTIFACT.matcher(pom.substring(Math.max(0, pom.indexOf("</parent>"))));
                if (artifact.find()) {
                    artifacts.put(artifact.group(1), m.group(1));
                }
                PROFILE.matcher(pom).results().forEach(p -> profiles.add(p.group(1)));
            });
            return new Reactor(root, poms, artifacts, profiles);
        }

        String pom(String module) {
            return poms.getOrDefault(module, "");
        }

        /** The modules {@code -am} adds for this one: its esm4j dependencies of any scope (not a profile's), transitively. */
        Set<String> upstream(String module) {
            Set<String> found = new LinkedHashSet<>();
            List<String> todo = new ArrayList<>(List.of(module));
            while (!todo.isEmpty()) {
                String pom = pom(todo.removeFirst()).replaceAll("(?s)<profiles>.*</profiles>", "");
                DEPENDENCY.matcher(pom).results().map(m -> artifacts.get(m.group(1)))
                        .filter(dependency -> dependency != null && found.add(dependency)).forEach(todo::add);
            }
            return found;
        }

        /** Outside its profiles, the module turns exec:java on for itself (the root pom skips it for every module). */
        boolean runsExec(String module) {
            return pom(module).replaceAll("(?s)<profiles>.*</profiles>", "").contains("<exec.skip>false</exec.skip>");
        }

        List<String> modulesWithClass(String className) {
            String file = className.replace('.', '/') + ".java";
            return poms.keySet().stream().filter(module -> sourceRoots(module).anyMatch(src ->
                    Files.isRegularFile(src.resolve(file)))).toList();
        }

        /**
         * A -Dtest pattern (a simple or qualified name, * for any characters, maybe !excluded or with #methods)
         * matches a test source of a module.
         */
        boolean hasTest(String pattern) {
            String classPart = pattern.replaceFirst("^!", "").replaceFirst("#.*$", "");
            Pattern regex = Pattern.compile(classPart.replace(".", "\\.").replace("*", "[\\w.]*"));
            return poms.keySet().stream().map(module -> root.resolve(module).resolve("src/test/java"))
                    .filter(Files::isDirectory).flatMap(Reactor::javaFiles).anyMatch(name -> {
                        String simple = name.substring(name.lastIndexOf('.') + 1);
                        return regex.matcher(simple).matches() || regex.matcher(name).matches();
                    });
        }

        /** A class of that simple name is in a source root of some module. */
        boolean hasSourceFile(String simpleName) {
            return poms.keySet().stream().flatMap(this::sourceRoots).flatMap(Reactor::javaFiles)
                    .anyMatch(name -> name.equals(simpleName) || name.endsWith("." + simpleName));
        }

        /** Every src/X/java of the module: main, test and the sources a profile adds (such as src/kcl/java). */
        private Stream<Path> sourceRoots(String module) {
            Path src = root.resolve(module).resolve("src");
            if (!Files.isDirectory(src)) {
                return Stream.empty();
            }
            try (Stream<Path> kinds = Files.list(src)) {
                return kinds.map(kind -> kind.resolve("java")).filter(Files::isDirectory).toList().stream();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The qualified class names of the Java files under a source root. */
        private static Stream<String> javaFiles(Path sourceRoot) {
            try (Stream<Path> files = Files.walk(sourceRoot)) {
                return files.filter(f -> f.toString().endsWith(".java")).map(f -> sourceRoot.relativize(f).toString()
                        .replace(".java", "").replace('/', '.')).toList().stream();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static String withoutComments(String xml) {
        return xml.replaceAll("(?s)<!--.*?-->", "");
    }

    private static List<String> read(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readString(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
