package io.esm4j.worker.mappings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.worker.config.Endpoints;
import io.esm4j.worker.config.FunctionSpec;
import io.esm4j.worker.config.Functions;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.invoke.Targets;
import io.esm4j.worker.source.AwsClients;
import io.esm4j.worker.source.SourceFactories;
import io.esm4j.worker.source.WorkerContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * A Java handler whose static initializer fails when the worker reads its mapping (the file at the worker's start, a
 * shared store at a refresh), before any start: the mapping is taken, and its start says that only a restart of the
 * worker process heals it, as a failure first met at a start does. Each test has a handler class of its own: a class
 * that failed stays failed for the test JVM's life.
 */
class ReadClassInitTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path directory;
    private MappingRegistry registry;

    @AfterEach
    void stop() throws InterruptedException {
        if (registry != null) {
            registry.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void aMappingOfTheFileWhoseHandlerFailsItsStaticInitializerAtTheReadMakesTheWorkerNotLive() throws Exception {
        registry = registry(FailsInFile.class, new FileMappingStore(directory, new SourcePairs("us-east-1")));
        registry.load(List.of(spec()));
        registry.start();

        ManagedMapping mapping = registry.list().getFirst();
        await().atMost(WAIT).until(() -> mapping.processRestartNeeded() != null);
        assertThat(mapping.processRestartNeeded()).startsWith("the static initializer of "
                + FailsInFile.class.getName() + " failed, and the JVM never runs it again");
        assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: start failed: ")
                .contains("Could not initialize class " + FailsInFile.class.getName());
    }

    /** Any worker that reads the mapping from the store and meets the class says so, not only the one that made it. */
    @Test
    void aMappingOfASharedStoreWhoseHandlerFailsItsStaticInitializerAtTheReadMakesTheWorkerNotLive() throws Exception {
        InMemoryMappingStore store = new InMemoryMappingStore();
        store.create(new MappingStore.Stored("7d2b0e4a-1111-4c2a-9a57-2f8c1f0e9d01", 1, Instant.now(), spec()));
        registry = registry(FailsInStore.class, store);
        registry.load(List.of());
        registry.start();

        assertThat(registry.list()).hasSize(1);
        ManagedMapping mapping = registry.list().getFirst();
        await().atMost(WAIT).until(() -> mapping.processRestartNeeded() != null);
        assertThat(mapping.processRestartNeeded()).startsWith("the static initializer of "
                + FailsInStore.class.getName() + " failed");
    }

    private static MappingSpec spec() throws Exception {
        return MappingSpec.of(new ObjectMapper().readTree("{\"EventSourceArn\": \"" + ScriptedSources.arn("init")
                + "\", \"FunctionName\": \"handler\"}"), "");
    }

    private static MappingRegistry registry(Class<?> handler, MappingStore store) {
        AwsClients clients = new AwsClients(Region.US_EAST_1, AnonymousCredentialsProvider.create(), Endpoints.none());
        Functions functions = new Functions(Map.of("handler", FunctionSpec.of("handler", FunctionSpec.Kind.JAVA,
                handler.getName(), null)), Endpoints.none());
        return new MappingRegistry(new SourceFactories(List.of(new ScriptedSources())), functions,
                new Targets(null, "us-east-1"), new WorkerContext(clients, new SimpleMeterRegistry(), null,
                "test-worker", false), store, Duration.ofSeconds(30), Clock.systemUTC());
    }

    static void connect() {
        throw new IllegalStateException("connection refused: 127.0.0.1:5432 (test)");
    }

    public static final class FailsInFile implements RequestHandler<Object, Void> {
        static {
            connect();
        }

        @Override
        public Void handleRequest(Object event, Context context) {
            return null;
        }
    }

    public static final class FailsInStore implements RequestHandler<Object, Void> {
        static {
            connect();
        }

        @Override
        public Void handleRequest(Object event, Context context) {
            return null;
        }
    }
}
