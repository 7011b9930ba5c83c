package io.esm4j.worker.mappings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.worker.config.Endpoints;
import io.esm4j.worker.config.Functions;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.invoke.Targets;
import io.esm4j.worker.source.SourceFactories;
import io.esm4j.worker.source.WorkerContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry's lifecycle of a mapping (start, retried start, update, delete) on scripted sources that read nothing,
 * so that each step happens when the test says.
 */
class MappingRegistryTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path directory;
    private final ScriptedSources sources = new ScriptedSources();
    private MappingRegistry registry;

    @BeforeEach
    void start() {
        registry = registry(new FileMappingStore(directory));
        registry.load(List.of());
        registry.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        sources.buildGate.countDown();
        sources.stopGate.countDown();
        registry.shutdown(Duration.ofSeconds(5));
    }

    private MappingRegistry registry(MappingStore store) {
        return new MappingRegistry(new SourceFactories(List.of(sources)), new Functions(Map.of(), Endpoints.none()),
                new Targets(null, "us-east-1"), new WorkerContext(null, new SimpleMeterRegistry(), null, "test-worker",
                false), store, Duration.ofSeconds(30), Clock.systemUTC());
    }

    static MappingSpec spec(String queue, String more) throws Exception {
        return MappingSpec.of(JSON.readTree("{\"EventSourceArn\": \"" + ScriptedSources.arn(queue) + "\", "
                + "\"FunctionName\": \"http://127.0.0.1:9/fn\"" + more + "}"), "");
    }

    @Test
    void aStartThatFailsIsRetriedUntilItWorksAndTheFailedMappingsAreStopped() throws Exception {
        sources.failingStarts.set(2);

        ManagedMapping mapping = registry.create(spec("retried", ""));

        await().atMost(WAIT).until(() -> mapping.state().equals("Enabled"));
        assertThat(sources.builtFor(mapping.uuid())).hasSize(3).satisfies(built -> {
            assertThat(built.subList(0, 2)).allMatch(failed -> failed.stopped);
            assertThat(built.get(2).running()).isTrue();
        });
        assertThat(registry.startFailures()).isEqualTo(2);
        assertThat(mapping.stateTransitionReason()).doesNotContain("PROBLEM");
    }

    @Test
    void aMappingBuiltWhileItWasDeletedIsStoppedAndNeverStarts() throws Exception {
        sources.buildGate = new CountDownLatch(1);
        ManagedMapping mapping = registry.create(spec("deleted-while-built", ""));
        await().atMost(WAIT).until(() -> !sources.builtFor(mapping.uuid()).isEmpty());

        registry.delete(mapping.uuid());
        sources.buildGate.countDown();

        ScriptedSources.Scripted built = sources.builtFor(mapping.uuid()).getFirst();
        await().atMost(WAIT).until(() -> built.stopped);
        assertThat(built.started).isFalse();
    }
}
