package io.esm4j;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.resilience4j.core.IntervalFunction;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/**
 * The module io.esm4j.core exports its API packages and nothing else. Tests run on the class path, where every
 * package is visible, so this reads the compiled module-info.class and resolves the module in a layer of its own with
 * its real dependencies, as a user's module would see it.
 */
class ModuleBoundaryTest {

    private static final String NAME = "io.esm4j.core";
    private static final String INTERNAL = "io.esm4j.internal";
    private static final Set<String> API = Set.of("io.esm4j", "io.esm4j.settings", "io.esm4j.handler",
            "io.esm4j.stream", "io.esm4j.stream.polling", "io.esm4j.queue", "io.esm4j.lease", "io.esm4j.failure",
            "io.esm4j.filter", "io.esm4j.idempotency", "io.esm4j.metrics", "io.esm4j.testing");

    /**
     * The engine packages a source that drives its own partitions needs (source-kafka's poll thread feeding shard
     * pipelines), exported to that module alone.
     */
    private static final Set<String> TO_KAFKA = Set.of("io.esm4j.internal", "io.esm4j.internal.handler",
            "io.esm4j.internal.metrics", "io.esm4j.internal.retry", "io.esm4j.internal.stream");

    /**
     * The tumbling-window events of handlers written for Lambda (aws-lambda-java-events, an optional dependency),
     * shared by the Kinesis and DynamoDB Streams adapters and exported to those modules alone.
     */
    private static final String LAMBDA = "io.esm4j.internal.lambda";
    /**
     * io.esm4j.internal itself goes to the worker too (FailureRun: its repeated failures log under the engine's rule),
     * and to the modules whose sources and destinations name the mapping in their logs (MappingLogName).
     */
    private static final Set<String> INTERNAL_TO = Set.of("io.esm4j.kafka", "io.esm4j.worker", "io.esm4j.kinesis",
            "io.esm4j.sinks");
    private static final Set<String> TO_STREAM_SOURCES = Set.of("io.esm4j.kinesis", "io.esm4j.dynamodbstreams");

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }

    @Test
    void theDescriptorExportsExactlyTheApiPackagesToEveryone() {
        ModuleDescriptor descriptor = module().descriptor();

        assertThat(descriptor.exports().stream().filter(export -> !export.isQualified())
                .map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()))
                .containsExactlyInAnyOrderElementsOf(API);
        // Qualified exports: exactly these engine packages, each to io.esm4j.kafka and nobody else (io.esm4j.internal
        // to the modules named above), and the Lambda adapters' window events to the two stream sources.
        assertThat(descriptor.exports().stream().filter(ModuleDescriptor.Exports::isQualified)
                .map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()))
                .containsExactlyInAnyOrderElementsOf(union(TO_KAFKA, Set.of(LAMBDA)));
        assertThat(descriptor.exports()).filteredOn(ModuleDescriptor.Exports::isQualified)
                .allSatisfy(export -> assertThat(export.targets()).as(export.source())
                        .containsExactlyInAnyOrderElementsOf(export.source().equals(LAMBDA) ? TO_STREAM_SOURCES
                                : export.source().equals(INTERNAL) ? INTERNAL_TO : Set.of("io.esm4j.kafka")));
        assertThat(descriptor.isOpen()).isFalse();
        assertThat(descriptor.opens()).isEmpty();
    }

    /** A new package must be exported as API or live under io.esm4j.internal: nothing in between by oversight. */
    @Test
    void everyPackageIsApiOrInternal() {
        Set<String> packages = new TreeSet<>(module().descriptor().packages());

        assertThat(packages).containsAll(API);
        packages.removeAll(API);
        assertThat(packages).isNotEmpty()
                .allSatisfy(p -> assertThat(p).as("a package that is neither exported nor internal")
                        .matches(Pattern.quote(INTERNAL) + "(\\..+)?"));
    }

    @Test
    void aModuleThatReadsTheCoreSeesTheApiAndNotTheEngine() throws ClassNotFoundException {
        ModuleLayer layer = layer();
        Module core = layer.findModule(NAME).orElseThrow();
        Module user = getClass().getModule();

        for (String api : API) {
            assertThat(core.isExported(api, user)).as(api).isTrue();
        }
        Set<String> internal = core.getPackages().stream().filter(p -> p.startsWith(INTERNAL))
                .collect(Collectors.toSet());
        assertThat(internal).contains("io.esm4j.internal.stream", "io.esm4j.internal.queue");
        for (String engine : internal) {
            assertThat(core.isExported(engine, user)).as(engine).isFalse();
            assertThat(core.isOpen(engine, user)).as(engine).isFalse();
        }
        // The classes themselves come from the layer, not from the class path the tests run on.
        Class<?> mapping = Class.forName(core, "io.esm4j.EventSourceMapping");
        assertThat(mapping).isNotSameAs(EventSourceMapping.class);
        assertThat(mapping.getModule()).isSameAs(core);
    }

    /** Resolution fails unless every module the descriptor requires (by the names it gives) is there. */
    private static ModuleLayer layer() {
        ModuleFinder finder = ModuleFinder.of(location(EventSourceMapping.class), location(ObjectMapper.class),
                location(JsonFactory.class), location(JsonProperty.class), location(MeterRegistry.class),
                location(IntervalFunction.class), location(Logger.class));
        Configuration configuration = ModuleLayer.boot().configuration().resolve(finder, ModuleFinder.of(),
                Set.of(NAME));
        return ModuleLayer.boot().defineModulesWithOneLoader(configuration, ClassLoader.getPlatformClassLoader());
    }

    /** The compiled main classes: an exploded module, since they hold module-info.class. */
    private static ModuleReference module() {
        return ModuleFinder.of(location(EventSourceMapping.class)).find(NAME).orElseThrow(() -> new AssertionError(
                "expected module " + NAME + " in " + location(EventSourceMapping.class)));
    }

    private static Path location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("class path entry of " + type.getName() + " is not a file", e);
        }
    }
}
