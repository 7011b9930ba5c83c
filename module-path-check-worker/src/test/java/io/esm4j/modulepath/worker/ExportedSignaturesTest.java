package io.esm4j.modulepath.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.testsupport.IdempotencyStoreContract;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.module.FindException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every type a public signature of an esm4j module names (methods, constructors, fields, supertypes, type arguments
 * and bounds, of public types in exported packages) comes from a module that a module requiring it reads: itself,
 * java.base, what it requires transitively, and every automatic module once it reads one. The consumer's
 * compilation proves this for the calls it makes; this proves it for every signature. And the type's package is
 * exported to everyone. The types of an optional dependency ({@code requires static}: the Lambda adapters'
 * aws-lambda-java types, Glue) are the exception: their users require that module themselves (the modules' READMEs).
 * The worker's module graph holds every library module and those optional ones, so every signature loads here.
 */
class ExportedSignaturesTest {

    /** The modules of the class path's jars and folders by name: test-support and its dependencies are there. */
    private static final Map<String, ModuleReference> CLASS_PATH = classPathModules();

    @Test
    void theLibraryModulesOnTheModulePath() throws ClassNotFoundException {
        List<Module> libraries = ModuleLayer.boot().modules().stream()
                .filter(module -> module.getName().startsWith("io.esm4j.") && module != getClass().getModule())
                .toList();
        assertThat(libraries).extracting(Module::getName).containsExactlyInAnyOrder("io.esm4j.core",
                "io.esm4j.sqs", "io.esm4j.kinesis", "io.esm4j.dynamodbstreams", "io.esm4j.kafka", "io.esm4j.sinks",
                "io.esm4j.dynamodb", "io.esm4j.redis", "io.esm4j.worker");
        Set<String> problems = new TreeSet<>();
        for (Module library : libraries) {
            check(reference(library.getName()).orElseThrow(), name -> Objects.requireNonNull(
                    Class.forName(library, name), name), problems);
        }
        assertThat(problems).as("types users of a module cannot read without requiring their modules themselves")
                .isEmpty();
    }

    /**
     * test-support's contracts are extended by the tests of a user's own store. It cannot join the module path here
     * (JUnit's launcher runs on the class path and may not reach into a JUnit module there), so its classes are
     * checked where they are, each type's module told by its jar's descriptor.
     */
    @Test
    void testSupport() throws ClassNotFoundException {
        assertThat(IdempotencyStoreContract.class.getModule().isNamed()).isFalse();
        Set<String> problems = new TreeSet<>();
        check(reference("io.esm4j.testsupport").orElseThrow(), ExportedSignaturesTest::load, problems);
        assertThat(problems).as("types users of io.esm4j.testsupport cannot read through it").isEmpty();
    }

    private interface Loader {
        Class<?> load(String className) throws ClassNotFoundException;
    }

    private static Class<?> load(String className) throws ClassNotFoundException {
        return Class.forName(className, false, ExportedSignaturesTest.class.getClassLoader());
    }

    private static void check(ModuleReference library, Loader loader, Set<String> problems)
            throws ClassNotFoundException {
        Rules rules = Rules.of(library.descriptor());
        for (String className : publicClasses(library)) {
            Class<?> type = loader.load(className);
            if (Modifier.isPublic(type.getModifiers())) {
                for (Type named : signatureTypes(type)) {
                    visit(named, new HashSet<>(), used -> rules.problem(type, used).ifPresent(problems::add));
                }
            }
        }
    }

    /**
     * What a user of {@code library} can name through it.
     *
     * @param readable       the modules it reads through the library (see {@link #readableByUsers})
     * @param readsAutomatic whether one of them is automatic: a module reading one reads every automatic module
     * @param optional       the library's {@code requires static}, which their users require themselves
     */
    private record Rules(ModuleDescriptor library, Set<String> readable, boolean readsAutomatic,
                         Set<String> optional) {

        static Rules of(ModuleDescriptor library) {
            Set<String> readable = readableByUsers(library);
            Set<String> optional = new HashSet<>();
            library.requires().stream().filter(r -> r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC))
                    .forEach(r -> optional.add(r.name()));
            return new Rules(library, readable, readable.stream().map(ExportedSignaturesTest::reference)
                    .flatMap(Optional::stream).anyMatch(reference -> reference.descriptor().isAutomatic()), optional);
        }

        /** Why a user cannot name {@code used}, which a signature of {@code type} names; empty if they can. */
        Optional<String> problem(Class<?> type, Class<?> used) {
            String from = moduleOf(used);
            if (from == null || optional.contains(from)) {
                return Optional.empty();
            }
            boolean automatic = reference(from).map(reference -> reference.descriptor().isAutomatic()).orElse(false);
            if (!readable.contains(from) && !(automatic && readsAutomatic)) {
                return Optional.of(library.name() + ": " + type.getName() + " names " + used.getName() + " of "
                        + from + ", which it does not require transitively");
            }
            if (!exported(from, used.getPackageName()) && !exportedTo(from, used.getPackageName(), library.name())) {
                return Optional.of(library.name() + ": " + type.getName() + " names " + used.getName()
                        + ", whose package " + from + " does not export");
            }
            return Optional.empty();
        }
    }

    /** The modules a module reading {@code library} reads through it: itself, java.base, requires transitive. */
    private static Set<String> readableByUsers(ModuleDescriptor library) {
        Set<String> readable = new HashSet<>(Set.of("java.base", library.name()));
        List<ModuleDescriptor> pending = new ArrayList<>(List.of(library));
        while (!pending.isEmpty()) {
            for (ModuleDescriptor.Requires requires : pending.removeLast().requires()) {
                if (requires.modifiers().contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE)
                        && readable.add(requires.name())) {
                    reference(requires.name()).ifPresent(reference -> pending.add(reference.descriptor()));
                }
            }
        }
        return readable;
    }

    /**
     * Whether the module exports the package to that module alone: core's engine packages, whose interfaces a
     * source that drives its own reading implements (KafkaSource is an EngineFactory). Its users never call those
     * methods, and can still call the others (javac needs no access to a supertype to compile a call).
     */
    private static boolean exportedTo(String module, String packageName, String target) {
        return reference(module).map(ModuleReference::descriptor).map(descriptor -> descriptor.exports().stream()
                .anyMatch(e -> e.targets().contains(target) && e.source().equals(packageName))).orElse(false);
    }

    /** Whether the module exports the package to everyone: automatic modules export every package. */
    private static boolean exported(String module, String packageName) {
        return reference(module).map(ModuleReference::descriptor).map(descriptor -> descriptor.isAutomatic()
                || descriptor.exports().stream().anyMatch(e -> !e.isQualified() && e.source().equals(packageName)))
                .orElse(true);
    }

    private static Optional<ModuleReference> reference(String name) {
        return ModuleFinder.ofSystem().find(name)
                .or(() -> ModuleLayer.boot().configuration().findModule(name).map(m -> m.reference()))
                .or(() -> Optional.ofNullable(CLASS_PATH.get(name)));
    }

    /** The module a type is in: its named module, or, on the class path, the module its jar would be. */
    private static String moduleOf(Class<?> type) {
        if (type.getModule().isNamed()) {
            return type.getModule().getName();
        }
        CodeSource source = type.getProtectionDomain().getCodeSource();
        if (source == null) {
            return null;
        }
        try {
            return moduleAt(Path.of(source.getLocation().toURI())).map(m -> m.descriptor().name()).orElse(null);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("code source " + source.getLocation() + " is not a path", e);
        }
    }

    private static Map<String, ModuleReference> classPathModules() {
        Map<String, ModuleReference> modules = new HashMap<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            moduleAt(Path.of(entry)).ifPresent(reference -> modules.put(reference.descriptor().name(), reference));
        }
        return modules;
    }

    private static Optional<ModuleReference> moduleAt(Path path) {
        try {
            return ModuleFinder.of(path).findAll().stream().findFirst();
        } catch (FindException notAModule) {
            return Optional.empty(); // e.g. a jar whose file name makes no module name
        }
    }

    private static List<String> publicClasses(ModuleReference library) {
        Set<String> exported = new HashSet<>();
        library.descriptor().exports().stream().filter(e -> !e.isQualified()).forEach(e -> exported.add(e.source()));
        try (ModuleReader reader = library.open(); Stream<String> names = reader.list()) {
            return names.filter(name -> name.endsWith(".class") && !name.equals("module-info.class")
                            && !name.endsWith("package-info.class"))
                    .map(name -> name.substring(0, name.length() - ".class".length()).replace('/', '.'))
                    .filter(name -> exported.contains(name.substring(0, name.lastIndexOf('.'))))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Type> signatureTypes(Class<?> type) {
        List<Type> types = new ArrayList<>();
        if (type.getGenericSuperclass() != null) {
            types.add(type.getGenericSuperclass());
        }
        types.addAll(List.of(type.getGenericInterfaces()));
        types.addAll(List.of(type.getTypeParameters()));
        List<Executable> members = new ArrayList<>(List.of(type.getDeclaredMethods()));
        members.addAll(List.of(type.getDeclaredConstructors()));
        for (Executable member : members) {
            if (visible(member.getModifiers()) && !member.isSynthetic()) {
                types.addAll(List.of(member.getGenericParameterTypes()));
                types.addAll(List.of(member.getGenericExceptionTypes()));
                types.addAll(List.of(member.getTypeParameters()));
                if (member instanceof Method method) {
                    types.add(method.getGenericReturnType());
                }
            }
        }
        for (Field field : type.getDeclaredFields()) {
            if (visible(field.getModifiers())) {
                types.add(field.getGenericType());
            }
        }
        return types;
    }

    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static void visit(Type type, Set<Type> seen, Consumer<Class<?>> use) {
        if (!seen.add(type)) {
            return;
        }
        switch (type) {
            case Class<?> c when c.isArray() -> visit(c.getComponentType(), seen, use);
            case Class<?> c when !c.isPrimitive() -> use.accept(c);
            case ParameterizedType p -> {
                visit(p.getRawType(), seen, use);
                for (Type argument : p.getActualTypeArguments()) {
                    visit(argument, seen, use);
                }
            }
            case GenericArrayType a -> visit(a.getGenericComponentType(), seen, use);
            case WildcardType w -> {
                for (Type bound : w.getUpperBounds()) {
                    visit(bound, seen, use);
                }
                for (Type bound : w.getLowerBounds()) {
                    visit(bound, seen, use);
                }
            }
            case TypeVariable<?> v -> {
                for (Type bound : v.getBounds()) {
                    visit(bound, seen, use);
                }
            }
            default -> { }
        }
    }
}
