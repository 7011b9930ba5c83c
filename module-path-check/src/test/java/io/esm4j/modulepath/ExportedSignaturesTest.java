package io.esm4j.modulepath;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleReader;
import java.lang.module.ResolvedModule;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every type a public signature of an esm4j module names (methods, constructors, fields, supertypes, type arguments
 * and bounds, of public types in exported packages) comes from a module that a module requiring it reads: itself,
 * java.base, or what it requires transitively. The consumer's compilation proves this for the calls it makes; this
 * proves it for every signature. The types of an optional dependency ({@code requires static}: the Lambda adapters'
 * aws-lambda-java types, Glue) are the exception: their users require that module themselves (the modules' READMEs).
 */
class ExportedSignaturesTest {

    @Test
    void everyTypeInAnExportedSignatureIsReadByTheModulesUsers() {
        List<Module> libraries = ModuleLayer.boot().modules().stream()
                .filter(module -> module.getName().startsWith("io.esm4j.") && module != getClass().getModule())
                .toList();
        assertThat(libraries).extracting(Module::getName).contains("io.esm4j.core", "io.esm4j.sqs",
                "io.esm4j.kinesis", "io.esm4j.dynamodbstreams", "io.esm4j.kafka", "io.esm4j.sinks",
                "io.esm4j.dynamodb", "io.esm4j.redis");
        Set<String> problems = new TreeSet<>();
        for (Module library : libraries) {
            check(library, problems);
        }
        assertThat(problems).as("types users of a module cannot read without requiring their modules themselves")
                .isEmpty();
    }

    private static void check(Module library, Set<String> problems) {
        Set<String> readable = readableByUsers(library);
        Set<String> optional = new HashSet<>();
        library.getDescriptor().requires().stream()
                .filter(r -> r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC))
                .forEach(r -> optional.add(r.name()));
        for (String className : publicClasses(library)) {
            try {
                Class<?> type = Class.forName(library, className);
                if (type == null || !Modifier.isPublic(type.getModifiers())) {
                    continue;
                }
                for (Type named : signatureTypes(type)) {
                    visit(named, new HashSet<>(), used -> {
                        Module from = used.getModule();
                        if (from.isNamed() && !readable.contains(from.getName())
                                && !optional.contains(from.getName())) {
                            problems.add(library.getName() + ": " + type.getName() + " names " + used.getName()
                                    + " of " + from.getName() + ", which it does not require transitively");
                        }
                    });
                }
            } catch (TypeNotPresentException | NoClassDefFoundError absent) {
                // A signature naming a type of an optional dependency that is not here: allowed (see above).
                assertThat(String.valueOf(absent.getMessage())).as(className)
                        .containsAnyOf("com/amazonaws/services/lambda", "com.amazonaws.services.lambda",
                                "software/amazon/awssdk/services/glue", "software.amazon.awssdk.services.glue");
            }
        }
    }

    /** The modules that a module reading {@code library} reads through it, by the rules of module resolution. */
    private static Set<String> readableByUsers(Module library) {
        Set<String> readable = new HashSet<>(Set.of("java.base", library.getName()));
        List<ResolvedModule> pending = new ArrayList<>();
        pending.add(ModuleLayer.boot().configuration().findModule(library.getName()).orElseThrow());
        boolean automatic = false;
        while (!pending.isEmpty()) {
            ModuleDescriptor descriptor = pending.removeLast().reference().descriptor();
            automatic |= descriptor.isAutomatic();
            for (ModuleDescriptor.Requires requires : descriptor.requires()) {
                if (requires.modifiers().contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE)
                        && readable.add(requires.name())) {
                    ModuleLayer.boot().configuration().findModule(requires.name()).ifPresent(pending::add);
                }
            }
        }
        if (automatic || readable.stream().anyMatch(name -> ModuleLayer.boot().findModule(name)
                .map(m -> m.getDescriptor().isAutomatic()).orElse(false))) {
            // A module that reads an automatic module reads every automatic module.
            ModuleLayer.boot().modules().stream().filter(m -> m.getDescriptor().isAutomatic())
                    .forEach(m -> readable.add(m.getName()));
        }
        return readable;
    }

    private static List<String> publicClasses(Module library) {
        Set<String> exported = new HashSet<>();
        library.getDescriptor().exports().stream().filter(e -> !e.isQualified()).forEach(e -> exported.add(e.source()));
        ResolvedModule resolved = ModuleLayer.boot().configuration().findModule(library.getName()).orElseThrow();
        try (ModuleReader reader = resolved.reference().open(); Stream<String> names = reader.list()) {
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
                if (member instanceof java.lang.reflect.Method method) {
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

    private static void visit(Type type, Set<Type> seen, java.util.function.Consumer<Class<?>> use) {
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
