package io.esm4j.worker.mappings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.worker.config.Endpoints;
import io.esm4j.worker.config.Functions;
import io.esm4j.worker.config.InvalidMappingException;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.invoke.Targets;
import io.esm4j.worker.source.AwsClients;
import io.esm4j.worker.source.KafkaSourceFactory;
import io.esm4j.worker.source.SourceFactories;
import io.esm4j.worker.source.SourceFactory;
import io.esm4j.worker.source.WorkerContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * The registry's lifecycle of a mapping (start, retried start, update, delete) on scripted sources that read nothing,
 * so that each step happens when the test says.
 */
class MappingRegistryTest {

    /** Source and function pairs as a worker in us-east-1 tells them apart. */
    private static final SourcePairs PAIRS = new SourcePairs("us-east-1");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path directory;
    private final ScriptedSources sources = new ScriptedSources();
    private MappingRegistry registry;

    @BeforeEach
    void start() {
        start(new FileMappingStore(directory, PAIRS));
    }

    private void start(MappingStore store) {
        start(store, List.of());
    }

    private void start(MappingStore store, List<MappingSpec> fileMappings) {
        start(store, fileMappings, List.of(sources));
    }

    /** With real factories besides the scripted one: their checks build esm-core mappings with the worker's clients. */
    private void start(MappingStore store, List<MappingSpec> fileMappings, List<SourceFactory> factories) {
        if (registry != null) {
            stop();
        }
        AwsClients clients = new AwsClients(Region.US_EAST_1, AnonymousCredentialsProvider.create(), Endpoints.none());
        registry = new MappingRegistry(new SourceFactories(factories), new Functions(Map.of(), Endpoints.none()),
                new Targets(null, "us-east-1"), new WorkerContext(clients, new SimpleMeterRegistry(), null,
                "test-worker", false), store, Duration.ofSeconds(30), Clock.systemUTC());
        registry.load(fileMappings);
        registry.start();
    }

    @AfterEach
    void stop() {
        sources.buildGate.countDown();
        sources.stopGate.countDown();
        try {
            registry.shutdown(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        registry = null;
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

    /**
     * A mapping that cannot start is retried for as long as it fails, for hours if its function or stream is missing:
     * its failed starts log like every failure that repeats, the first at WARN, the next ones at DEBUG (below the
     * worker's INFO) with a WARN summary at most every 5 minutes, and the start that works says how many failed.
     */
    @Test
    void failedStartsInARowLogOneWarnAndTheStartThatWorksSaysHowManyFailedNamingTheMapping() throws Exception {
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        ManagedMapping mapping;
        try {
            sources.failingStarts.set(3);
            ManagedMapping created = registry.create(spec("failing-starts", ""));
            mapping = created;
            // The line, not only the state: a retried start shows Enabled as soon as the mapping runs, a moment
            // before its start logs.
            await().atMost(WAIT).until(() -> created.state().equals("Enabled") && captured.toString(
                    StandardCharsets.UTF_8).contains("mapping started uuid=" + created.uuid()));
        } finally {
            System.setErr(stderr);
        }

        List<JsonNode> lines = captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("{"))
                .map(MappingRegistryTest::json).filter(l -> mapping.uuid().equals(l.path("uuid").asText())).toList();
        assertThat(lines).filteredOn(l -> l.path("message").asText().startsWith("mapping start failed"))
                .singleElement().satisfies(warn -> {
                    assertThat(warn.path("level").asText()).isEqualTo("WARN");
                    assertThat(warn.path("failuresInARow").asInt()).isEqualTo(1);
                    // The key of the engine's lines, so that one filter finds all of a mapping's lines.
                    assertThat(warn.path("mapping").asText()).isEqualTo(mapping.uuid());
                    assertThat(warn.path("error").asText()).isNotBlank();
                });
        assertThat(lines).filteredOn(l -> l.path("message").asText().startsWith("mapping started"))
                .singleElement().satisfies(info -> {
                    assertThat(info.path("level").asText()).isEqualTo("INFO");
                    assertThat(info.path("failuresInARow").asInt()).isEqualTo(3);
                    assertThat(info.path("mapping").asText()).isEqualTo(mapping.uuid());
                });
    }

    /**
     * A start can fail with a last processing result that tells the user what to fix (a Kafka consumer that cannot
     * be created shows Lambda's certificate message): the worker shows it while the start is retried, though the
     * failed esm-core mapping is stopped and taken out.
     */
    @Test
    void aFailedStartsLastProcessingResultShowsWhileTheStartIsRetried() throws Exception {
        String certificate = "PROBLEM: Provided certificate or private key is invalid.";
        sources.failedStartResult = certificate;
        sources.failingStarts.set(Integer.MAX_VALUE);

        ManagedMapping mapping = registry.create(spec("bad-certificate", ""));

        await().atMost(WAIT).until(() -> sources.builtFor(mapping.uuid()).size() >= 2);
        assertThat(mapping.lastProcessingResult()).isEqualTo(certificate);
        assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: start failed: ");
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new IllegalStateException("not a JSON log line: " + line, e);
        }
    }

    /**
     * A mapping that stopped itself on a fatal error is not left Disabled for ever: it shows the error and the
     * restart to come (not ready meanwhile), is restarted after a backoff that doubles while it keeps failing, and
     * counts its restarts.
     */
    @Test
    void aMappingStoppedByAFatalErrorIsRestartedWithBackoffAndCounted() throws Exception {
        ManagedMapping mapping = registry.create(spec("fatal", ""));
        await().atMost(WAIT).until(() -> mapping.state().equals("Enabled"));

        sources.builtFor(mapping.uuid()).getFirst().stopItself(
                "PROBLEM: stopped after a fatal error in shard s-1: java.lang.InternalError: scripted");

        await().atMost(WAIT).until(() -> sources.builtFor(mapping.uuid()).size() == 2
                && mapping.state().equals("Enabled"));
        assertThat(sources.builtFor(mapping.uuid()).getFirst().stopping).isTrue();
        assertThat(mapping.fatalRestarts()).isEqualTo(1);
        assertThat(registry.fatalRestarts()).isEqualTo(1);
        assertThat(mapping.stateTransitionReason()).doesNotContain("PROBLEM");
        assertThat(mapping.ready()).isTrue();

        // Again at once: the second restart waits twice as long, and the mapping says so while it waits.
        sources.builtFor(mapping.uuid()).get(1).stopItself(
                "PROBLEM: stopped after a fatal error in shard s-1: java.lang.InternalError: again");
        await().atMost(WAIT).until(() -> mapping.stateTransitionReason().contains("restart 2"));
        assertThat(mapping.stateTransitionReason()).isEqualTo("PROBLEM: stopped after a fatal error in shard s-1: "
                + "java.lang.InternalError: again; restarting in 2000 ms (restart 2, 2 fatal stops in a row)");
        assertThat(mapping.state()).isEqualTo("Enabling");
        assertThat(mapping.ready()).isFalse();
        await().atMost(WAIT).until(() -> sources.builtFor(mapping.uuid()).size() == 3
                && mapping.state().equals("Enabled"));
        assertThat(mapping.fatalRestarts()).isEqualTo(2);
        assertThat(sources.overlaps).hasValue(0);
    }

    /**
     * A class whose static initializer failed is never initialized again in this process, so restarts here cannot
     * heal the mapping: it says that the worker process must be restarted, and keeps saying so (not ready) when a
     * restart runs until the class's next use. The reason names the class once an error does.
     */
    @Test
    void aFatalStopOnAFailedStaticInitializerSaysOnlyARestartOfTheWorkerHealsIt() throws Exception {
        ManagedMapping mapping = registry.create(spec("class-init", ""));
        await().atMost(WAIT).until(() -> mapping.state().equals("Enabled"));
        assertThat(mapping.processRestartNeeded()).isNull();
        String unnamed = "a static initializer failed, and the JVM never runs it again: restart the worker process "
                + "(/health/live answers 503)";

        sources.builtFor(mapping.uuid()).getFirst().stopItself(
                "PROBLEM: fatal error in poller 1: java.lang.ExceptionInInitializerError");

        await().atMost(WAIT).until(() -> mapping.processRestartNeeded() != null);
        assertThat(mapping.processRestartNeeded()).isEqualTo(unnamed);
        // Restarted, it runs until the class is used again: still not ready, still to be restarted.
        await().atMost(WAIT).until(() -> sources.builtFor(mapping.uuid()).size() == 2
                && mapping.stateTransitionReason().equals("PROBLEM: " + unnamed));
        assertThat(mapping.state()).isEqualTo("Enabled");
        assertThat(mapping.ready()).isFalse();

        sources.builtFor(mapping.uuid()).get(1).stopItself("PROBLEM: fatal error in poller 1: "
                + "java.lang.NoClassDefFoundError: Could not initialize class com.example.Pool");

        await().atMost(WAIT).until(() -> mapping.stateTransitionReason().contains("restart 2"));
        assertThat(mapping.stateTransitionReason()).isEqualTo("PROBLEM: fatal error in poller 1: "
                + "java.lang.NoClassDefFoundError: Could not initialize class com.example.Pool; restarting in 2000 ms "
                + "(restart 2, 2 fatal stops in a row); the static initializer of com.example.Pool failed, and the "
                + "JVM never runs it again: restart the worker process (/health/live answers 503)");
        assertThat(mapping.processRestartNeeded()).startsWith("the static initializer of com.example.Pool failed");
        assertThat(mapping.ready()).isFalse();

        // An update is a new revision, judged by its own starts: the user's remedy short of a restart.
        ManagedMapping updated = registry.update(mapping.uuid(), JSON.readTree("{\"BatchSize\": 5}"));
        assertThat(updated.processRestartNeeded()).isNull();
        await().atMost(WAIT).until(() -> updated.state().equals("Enabled") && updated.ready());
    }

    /** The fatal stop's own line names the class whose initializer failed, as a key of its own, where it is known. */
    @Test
    void theLineOfAFatalStopOnAFailedStaticInitializerNamesTheClass() throws Exception {
        ManagedMapping mapping = registry.create(spec("class-init-log", ""));
        await().atMost(WAIT).until(() -> mapping.state().equals("Enabled"));
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            sources.builtFor(mapping.uuid()).getFirst().stopItself("PROBLEM: fatal error in poller 1: "
                    + "java.lang.NoClassDefFoundError: Could not initialize class com.example.Pool");
            await().atMost(WAIT).until(() -> captured.toString(StandardCharsets.UTF_8)
                    .contains("mapping stopped by a fatal error"));
        } finally {
            System.setErr(stderr);
        }

        JsonNode line = captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("{"))
                .map(l -> {
                    try {
                        return JSON.readTree(l);
                    } catch (Exception e) {
                        throw new IllegalStateException(l, e);
                    }
                }).filter(l -> l.path("message").asText().startsWith("mapping stopped by a fatal error"))
                .findFirst().orElseThrow();
        assertThat(line.path("class").asText()).as(line.toString()).isEqualTo("com.example.Pool");
        assertThat(line.path("uuid").asText()).isEqualTo(mapping.uuid());
    }

    /** Any other fatal error leaves the worker live: a restart of the mapping in the process may heal it. */
    @Test
    void aFatalStopOnAnotherLinkageErrorNeedsNoRestartOfTheWorker() throws Exception {
        ManagedMapping mapping = registry.create(spec("linkage", ""));
        await().atMost(WAIT).until(() -> mapping.state().equals("Enabled"));

        sources.builtFor(mapping.uuid()).getFirst().stopItself("PROBLEM: fatal error in poller 1: "
                + "java.lang.NoClassDefFoundError: com/example/Missing");

        await().atMost(WAIT).until(() -> sources.builtFor(mapping.uuid()).size() == 2
                && mapping.state().equals("Enabled") && mapping.ready());
        assertThat(mapping.fatalRestarts()).isEqualTo(1);
        assertThat(mapping.processRestartNeeded()).isNull();
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

    @Test
    void anUpdateOrDeleteWhileThePreviousUpdateIsStillBeingAppliedIsRefusedAsInUse() throws Exception {
        String uuid = registry.create(spec("in-use", "")).uuid();
        await().atMost(WAIT).until(() -> running(uuid));
        sources.stopGate = new CountDownLatch(1);

        registry.update(uuid, JSON.readTree("{\"BatchSize\": 5}"));

        assertThatThrownBy(() -> registry.update(uuid, JSON.readTree("{\"BatchSize\": 6}")))
                .isInstanceOf(MappingInUseException.class)
                .hasMessageContaining("Cannot update the event source mapping " + uuid + " because it is in use")
                .hasMessageContaining("State Updating");
        assertThatThrownBy(() -> registry.delete(uuid)).isInstanceOf(MappingInUseException.class);
        assertThat(sources.builtFor(uuid)).hasSize(1);

        sources.stopGate.countDown();
        await().atMost(WAIT).until(() -> sources.builtFor(uuid).size() == 2 && running(uuid));
        registry.update(uuid, JSON.readTree("{\"BatchSize\": 6}"));
        await().atMost(WAIT).until(() -> sources.builtFor(uuid).size() == 3 && running(uuid));
        sources.stopGate = new CountDownLatch(1);
        registry.delete(uuid);
        assertThatThrownBy(() -> registry.delete(uuid)).isInstanceOf(MappingInUseException.class)
                .hasMessageContaining("being deleted");
        assertThat(sources.overlaps).hasValue(0);
    }

    /**
     * As Lambda refuses to update a mapping that is still Creating: until its first start attempt has ended, the
     * State says Creating and an update answers that the mapping is in use; once the start ended (here a failure,
     * retried, which the State shows as Enabling with a PROBLEM reason) it is taken. A delete is taken meanwhile.
     */
    @Test
    void anUpdateBeforeTheFirstStartAttemptHasEndedIsRefusedAsInUse() throws Exception {
        sources.buildGate = new CountDownLatch(1);
        sources.failingStarts.set(1);
        ManagedMapping mapping = registry.create(spec("in-use-creating", ""));
        String uuid = mapping.uuid();
        await().atMost(WAIT).until(() -> !sources.builtFor(uuid).isEmpty());

        assertThat(registry.get(uuid).state()).isEqualTo("Creating");
        assertThatThrownBy(() -> registry.update(uuid, JSON.readTree("{\"BatchSize\": 5}")))
                .isInstanceOf(MappingInUseException.class)
                .hasMessage("Cannot update the event source mapping " + uuid + " because it is in use: the worker "
                        + "is still starting it (State Creating). Wait until GetEventSourceMapping shows another "
                        + "State (Enabled once it runs; Enabling with a PROBLEM: reason while a failed start is "
                        + "retried), then update it.");

        sources.buildGate.countDown();
        await().atMost(WAIT).until(() -> registry.get(uuid).state().equals("Enabling"));
        assertThat(registry.get(uuid).stateTransitionReason()).startsWith("PROBLEM: start failed");
        ManagedMapping updated = registry.update(uuid, JSON.readTree("{\"BatchSize\": 5}"));
        assertThat(updated.spec().integer("BatchSize")).isEqualTo(5);
        await().atMost(WAIT).until(() -> updated.state().equals("Enabled") && running(uuid));
    }

    /** A delete is the way out of a start that hangs: it is taken while the first start is still in progress. */
    @Test
    void aDeleteBeforeTheFirstStartAttemptHasEndedIsTaken() throws Exception {
        sources.buildGate = new CountDownLatch(1);
        ManagedMapping mapping = registry.create(spec("delete-creating", ""));
        await().atMost(WAIT).until(() -> !sources.builtFor(mapping.uuid()).isEmpty());
        assertThat(mapping.state()).isEqualTo("Creating");

        assertThat(registry.delete(mapping.uuid()).state()).isEqualTo("Deleting");
        sources.buildGate.countDown();
        await().atMost(WAIT).untilAsserted(() -> assertThatThrownBy(() -> registry.get(mapping.uuid()))
                .isInstanceOf(MappingNotFoundException.class));
    }

    /** The refusal names the State the API shows: Disabling after an update that turned the mapping off. */
    @Test
    void anUpdateWhileADisablingUpdateIsStillBeingAppliedNamesDisabling() throws Exception {
        String uuid = registry.create(spec("in-use-disabling", "")).uuid();
        await().atMost(WAIT).until(() -> running(uuid));
        sources.stopGate = new CountDownLatch(1);

        registry.update(uuid, JSON.readTree("{\"Enabled\": false}"));

        assertThat(registry.get(uuid).state()).isEqualTo("Disabling");
        assertThatThrownBy(() -> registry.update(uuid, JSON.readTree("{\"Enabled\": true}")))
                .isInstanceOf(MappingInUseException.class)
                .hasMessageContaining("(State Disabling). Try again once the State is no longer Disabling.");
        assertThatThrownBy(() -> registry.delete(uuid)).isInstanceOf(MappingInUseException.class)
                .hasMessageContaining("(State Disabling)");
        sources.stopGate.countDown();
        await().atMost(WAIT).until(() -> registry.get(uuid).state().equals("Disabled"));
    }

    @Test
    void aRevisionFromASharedStoreStartsOnlyOnceEveryOlderOneHasStopped() throws Exception {
        InMemoryMappingStore store = new InMemoryMappingStore();
        start(store);
        String uuid = registry.create(spec("chained", "")).uuid();
        await().atMost(WAIT).until(() -> running(uuid));
        sources.stopGate = new CountDownLatch(1);

        // Two updates through other workers, the second while the first one's predecessor still drains.
        MappingStore.Stored second = replace(store, uuid, 2);
        registry.refresh();
        ManagedMapping pending = registry.get(uuid);
        replace(store, uuid, 3);
        registry.refresh();
        ManagedMapping latest = registry.get(uuid);
        await().atMost(WAIT).until(pending::selfStopped);

        assertThat(latest.revision()).isEqualTo(second.revision() + 1);
        assertThat(latest.waitingForPredecessor()).isTrue();
        assertThat(sources.builtFor(uuid)).hasSize(1);

        sources.stopGate.countDown();
        await().atMost(WAIT).until(() -> sources.builtFor(uuid).size() == 2 && running(uuid));
        assertThat(sources.builtFor(uuid).getLast().spec.integer("BatchSize")).isEqualTo(3);
        assertThat(sources.overlaps).hasValue(0);
    }

    /** A table down for an hour is one warning and one recovery line, not a warning at every refresh. */
    @Test
    void anUnreachableSharedStoreIsWarnedAboutOnceUntilItWorksAgain() throws Exception {
        InMemoryMappingStore store = new InMemoryMappingStore();
        start(store);
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            store.unreachable = true;
            for (int i = 0; i < 5; i++) {
                registry.refreshForApi();
            }
            assertThat(registry.refreshProblem()).contains("unreachable");
            store.unreachable = false;
            registry.refreshForApi();
        } finally {
            System.setErr(stderr);
        }

        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log.split("mapping refresh failed, retried", -1)).as(log).hasSize(2);
        assertThat(log).contains("mapping refresh works again");
        assertThat(registry.refreshFailures()).isGreaterThanOrEqualTo(5);
        assertThat(registry.refreshProblem()).isNull();
    }

    /**
     * A read of the shared store that throws an Error (not an exception) is a failed refresh like any other: it shows
     * as the store's problem and the periodic refresh goes on. Escaping the scheduled task, it ended the refresh for
     * good, silently: mappings created through other workers never started here, and health showed no problem.
     */
    @Test
    void anErrorInAPeriodicRefreshIsShownAndTheRefreshGoesOn() throws Exception {
        InMemoryMappingStore store = new InMemoryMappingStore();
        start(store);
        store.nextReadThrows.set(new StackOverflowError("deeply nested (test)"));
        await().atMost(WAIT).until(() -> store.nextReadThrows.get() == null);

        MappingStore.Stored elsewhere = new MappingStore.Stored("b5c1f1c4-0000-4000-8000-000000000001", 1,
                Instant.now(), spec("created-elsewhere", ""));
        store.create(elsewhere);

        await().atMost(WAIT).until(() -> running(elsewhere.uuid()));
        assertThat(registry.refreshFailures()).isGreaterThanOrEqualTo(1);
        assertThat(registry.refreshProblem()).isNull();
    }

    /**
     * A stored mapping this worker cannot run (one created through a newer worker, with a field this one does not
     * take) is warned about once per revision, not at every refresh of every worker (every 5 s, for ever).
     */
    @Test
    void aStoredMappingNotRunnableHereIsWarnedAboutOncePerRevision() throws Exception {
        InMemoryMappingStore store = new InMemoryMappingStore();
        start(store);
        MappingStore.Stored stored = new MappingStore.Stored("b5c1f1c4-0000-4000-8000-000000000002", 1,
                Instant.now(), spec("not-runnable-here", ", \"ParallelizationFactor\": 2"));
        store.create(stored);
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            for (int i = 0; i < 5; i++) {
                registry.refresh();
            }
            store.replace(stored, stored.next(spec("not-runnable-here", ", \"ParallelizationFactor\": 3"),
                    Instant.now()));
            registry.refresh();
            registry.refresh();
        } finally {
            System.setErr(stderr);
        }

        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log.split("stored mapping not runnable here", -1)).as(log).hasSize(3);
        assertThat(log).contains("ParallelizationFactor");
    }

    @Test
    void aMappingDeletedThroughASharedStoreStaysDeletingUntilEveryRevisionHasStopped() throws Exception {
        InMemoryMappingStore store = new InMemoryMappingStore();
        start(store);
        String uuid = registry.create(spec("deleted-while-updated", "")).uuid();
        await().atMost(WAIT).until(() -> running(uuid));
        sources.stopGate = new CountDownLatch(1);

        MappingStore.Stored second = replace(store, uuid, 2);
        registry.refresh();
        ManagedMapping pending = registry.get(uuid);
        store.delete(second);
        registry.refresh();
        await().atMost(WAIT).until(pending::selfStopped);

        assertThat(registry.get(uuid).state()).isEqualTo("Deleting");
        sources.stopGate.countDown();
        await().atMost(WAIT).untilAsserted(() -> assertThatThrownBy(() -> registry.get(uuid))
                .isInstanceOf(MappingNotFoundException.class));
        assertThat(sources.builtFor(uuid)).hasSize(1);
    }

    /**
     * Its last build runs and, as the API shows it (no longer Creating or Updating), its start attempt has ended: an
     * update is taken from then on. The build runs a moment before the attempt ends.
     */
    private boolean running(String uuid) {
        List<ScriptedSources.Scripted> built = sources.builtFor(uuid);
        return !built.isEmpty() && built.getLast().running() && !registry.get(uuid).firstStartPending();
    }

    /** Writes the next revision to the store, as another worker's update does, with BatchSize {@code batchSize}. */
    private static MappingStore.Stored replace(InMemoryMappingStore store, String uuid, int batchSize)
            throws Exception {
        MappingStore.Stored current = store.get(uuid);
        MappingStore.Stored next = current.next(spec(current.spec().eventSourceArn().substring(
                current.spec().eventSourceArn().lastIndexOf(':') + 1), ", \"BatchSize\": " + batchSize),
                Instant.now());
        store.replace(current, next);
        return next;
    }

    @Test
    void anUpdateCannotMapASourceToAFunctionAnotherMappingAlreadyMapsItTo() throws Exception {
        MappingSpec fromFile = MappingSpec.of(JSON.readTree("{\"EventSourceArn\": \"" + ScriptedSources.arn("pairs")
                + "\", \"FunctionName\": \"http://127.0.0.1:9/file-fn\"}"), "EventSourceMappings[0]");
        start(new FileMappingStore(directory, PAIRS), List.of(fromFile));
        String first = registry.create(spec("pairs", "")).uuid();
        String second = registry.create(MappingSpec.of(JSON.readTree("{\"EventSourceArn\": \""
                + ScriptedSources.arn("pairs") + "\", \"FunctionName\": \"http://127.0.0.1:9/other\"}"), "")).uuid();
        await().atMost(WAIT).until(() -> running(first) && running(second));

        assertThatThrownBy(() -> registry.update(second, JSON.readTree(
                "{\"FunctionName\": \"http://127.0.0.1:9/fn\"}")))
                .isInstanceOf(MappingConflictException.class)
                .hasMessageContaining("already exists").hasMessageContaining(first);
        assertThatThrownBy(() -> registry.update(second, JSON.readTree(
                "{\"FunctionName\": \"http://127.0.0.1:9/file-fn\"}")))
                .isInstanceOf(MappingConflictException.class).hasMessageContaining("already exists");
        assertThat(registry.get(second).spec().functionName()).isEqualTo("http://127.0.0.1:9/other");
        registry.update(second, JSON.readTree("{\"FunctionName\": \"http://127.0.0.1:9/third\"}"));
    }

    @Test
    void anUpdateChangesKafkasConfigFieldByFieldKeepsItsGroupAndRefusesWhatUpdateDoesNotTake() throws Exception {
        start(new FileMappingStore(directory, PAIRS), List.of(), List.of(sources, new KafkaSourceFactory()));
        String uuid = registry.create(MappingSpec.of(JSON.readTree("""
                {"FunctionName": "http://127.0.0.1:9/fn", "Enabled": false, "StartingPosition": "LATEST",
                 "SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": ["127.0.0.1:9"]}},
                 "Topics": ["orders"], "SelfManagedKafkaEventSourceConfig": {"ConsumerGroupId": "orders-group"}}
                """), "")).uuid();

        registry.update(uuid, JSON.readTree("""
                {"SelfManagedKafkaEventSourceConfig": {"SchemaRegistryConfig": {
                  "SchemaRegistryURI": "http://127.0.0.1:9/registry", "EventRecordFormat": "JSON",
                  "SchemaValidationConfigs": [{"Attribute": "VALUE"}]}}}
                """));

        JsonNode config = registry.get(uuid).spec().node("SelfManagedKafkaEventSourceConfig");
        assertThat(config.path("ConsumerGroupId").asText()).isEqualTo("orders-group");
        assertThat(config.path("SchemaRegistryConfig").path("EventRecordFormat").asText()).isEqualTo("JSON");
        assertThatThrownBy(() -> registry.update(uuid, JSON.readTree(
                "{\"SelfManagedKafkaEventSourceConfig\": {\"ConsumerGroupId\": \"other-group\"}}")))
                .isInstanceOf(InvalidMappingException.class)
                .hasMessageStartingWith("Invalid value for SelfManagedKafkaEventSourceConfig.ConsumerGroupId: "
                        + "other-group.")
                .hasMessageContaining("orders-group");
        assertThatThrownBy(() -> registry.update(uuid, JSON.readTree("{\"StartingPosition\": \"TRIM_HORIZON\"}")))
                .isInstanceOf(InvalidMappingException.class)
                .hasMessageStartingWith("Invalid value for StartingPosition: TRIM_HORIZON. StartingPosition cannot be "
                        + "changed");
        assertThatThrownBy(() -> registry.update(uuid, JSON.readTree("{\"Topics\": [\"payments\"]}")))
                .isInstanceOf(InvalidMappingException.class)
                .hasMessageStartingWith("Invalid value for Topics: [\"payments\"].");
        assertThat(registry.get(uuid).revision()).isEqualTo(2);
    }

    @Test
    void statesAndTheReasonAreLambdasThroughCreateUpdateDisableAndEnable() throws Exception {
        sources.buildGate = new CountDownLatch(1);
        ManagedMapping created = registry.create(spec("states", ""));
        String uuid = created.uuid();
        await().atMost(WAIT).until(() -> !sources.builtFor(uuid).isEmpty());
        assertThat(registry.get(uuid).state()).isEqualTo("Creating");
        assertThat(registry.get(uuid).stateTransitionReason()).isEqualTo("User action");
        sources.buildGate.countDown();
        await().atMost(WAIT).until(() -> registry.get(uuid).state().equals("Enabled"));
        assertThat(registry.get(uuid).stateTransitionReason()).isEqualTo("User action");

        sources.stopGate = new CountDownLatch(1);
        registry.update(uuid, JSON.readTree("{\"BatchSize\": 5}"));
        assertThat(registry.get(uuid).state()).isEqualTo("Updating");
        sources.stopGate.countDown();
        await().atMost(WAIT).until(() -> registry.get(uuid).state().equals("Enabled"));

        sources.stopGate = new CountDownLatch(1);
        registry.update(uuid, JSON.readTree("{\"Enabled\": false}"));
        assertThat(registry.get(uuid).state()).isEqualTo("Disabling");
        sources.stopGate.countDown();
        await().atMost(WAIT).until(() -> registry.get(uuid).state().equals("Disabled"));

        sources.buildGate = new CountDownLatch(1);
        registry.update(uuid, JSON.readTree("{\"Enabled\": true}"));
        assertThat(registry.get(uuid).state()).isEqualTo("Enabling");
        sources.buildGate.countDown();
        await().atMost(WAIT).until(() -> registry.get(uuid).state().equals("Enabled"));
        assertThat(sources.overlaps).hasValue(0);
    }

    @Test
    void theLastProcessingResultIsKeptAcrossAnUpdate() throws Exception {
        String uuid = registry.create(spec("results", "")).uuid();
        await().atMost(WAIT).until(() -> running(uuid));
        sources.builtFor(uuid).getLast().result = "OK";

        registry.update(uuid, JSON.readTree("{\"BatchSize\": 5}"));
        await().atMost(WAIT).until(() -> sources.builtFor(uuid).size() == 2 && running(uuid));

        assertThat(registry.get(uuid).lastProcessingResult()).isEqualTo("OK");
        sources.builtFor(uuid).getLast().result = "PROBLEM: Function call failed";
        assertThat(registry.get(uuid).lastProcessingResult()).isEqualTo("PROBLEM: Function call failed");
    }

    @Test
    void failureRecordsCarryTheFunctionArnTheApiReports() throws Exception {
        String uuid = registry.create(spec("function-arn", "")).uuid();
        await().atMost(WAIT).until(() -> running(uuid));

        // What MappingsApiTest sees as FunctionArn for the same function in the worker's region.
        assertThat(sources.builtFor(uuid).getFirst().functionArn)
                .isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:http://127.0.0.1:9/fn");
    }

    /**
     * A URL's password and token never reach the on-failure destination: the failure record's functionArn names the
     * URL as the API's FunctionArn does, masked, while the function is still invoked at the whole URL.
     */
    @Test
    void failureRecordsNameAUrlFunctionWithoutItsPasswordOrToken() throws Exception {
        MappingSpec spec = MappingSpec.of(JSON.readTree("{\"EventSourceArn\": \"" + ScriptedSources.arn("secret-url")
                + "\", \"FunctionName\": \"http://alice:pa55word@127.0.0.1:9/fn?token=s3cr3t\"}"), "");
        String uuid = registry.create(spec).uuid();
        await().atMost(WAIT).until(() -> running(uuid));

        assertThat(sources.builtFor(uuid).getFirst().functionArn)
                .isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:http://...@127.0.0.1:9/fn?...");
        assertThat(registry.get(uuid).spec().functionName())
                .isEqualTo("http://alice:pa55word@127.0.0.1:9/fn?token=s3cr3t");
    }

    /**
     * A file mapping's UUID (its leases, checkpoints and Kafka group) leaves a URL's credentials out: it cannot be
     * checked offline against guessed passwords, and rotating the password keeps it. A URL without credentials keeps
     * the UUID of earlier versions.
     */
    @Test
    void aFileMappingsUuidLeavesTheUrlsCredentialsOut() throws Exception {
        String plain = fileUuid("http://127.0.0.1:9/fn?fn=orders#part");
        assertThat(plain).isEqualTo(UUID.nameUUIDFromBytes((ScriptedSources.arn("ids") + "\n"
                + "http://127.0.0.1:9/fn?fn=orders#part").getBytes(StandardCharsets.UTF_8)).toString());

        String withPassword = fileUuid("http://alice:pa55word@127.0.0.1:9/fn?token=s3cr3t&fn=orders&X-Api-Key=k#part");
        assertThat(withPassword).isEqualTo(plain);
        assertThat(fileUuid("http://alice:rotated@127.0.0.1:9/fn?token=other&fn=orders&X-Api-Key=k2#part"))
                .isEqualTo(plain);
        assertThat(fileUuid("http://127.0.0.1:9/fn?fn=billing#part")).isNotEqualTo(plain);
    }

    @Test
    void twoFileMappingsWhoseUrlsDifferOnlyInCredentialsAreRefused() throws Exception {
        List<MappingSpec> specs = List.of(fileSpec("http://a:one@127.0.0.1:9/fn"), fileSpec("http://a:two@127.0.0.1:9/fn"));

        assertThatThrownBy(() -> start(new FileMappingStore(directory, PAIRS), specs))
                .isInstanceOf(MappingConflictException.class)
                .hasMessageStartingWith("EventSourceMappings[1] has the UUID ")
                .hasMessageContaining("Remove one of the two.")
                .message().doesNotContain("one@").doesNotContain("two@");
    }

    private static MappingSpec fileSpec(String functionName) throws Exception {
        return MappingSpec.of(JSON.readTree("{\"EventSourceArn\": \"" + ScriptedSources.arn("ids")
                + "\", \"FunctionName\": \"" + functionName + "\"}"), "");
    }

    private String fileUuid(String functionName) throws Exception {
        MappingSpec spec = MappingSpec.of(JSON.readTree("{\"EventSourceArn\": \"" + ScriptedSources.arn("ids")
                + "\", \"FunctionName\": \"" + functionName + "\"}"), "");
        start(new FileMappingStore(directory, PAIRS), List.of(spec));
        return registry.list().getFirst().uuid();
    }

    @Test
    void shutdownWaitsForTheDrainOfAMappingDeletedJustBefore() throws Exception {
        String uuid = registry.create(spec("deleted-before-shutdown", "")).uuid();
        await().atMost(WAIT).until(() -> running(uuid));
        sources.stopGate = new CountDownLatch(1);
        registry.delete(uuid);
        ScriptedSources.Scripted deleted = sources.builtFor(uuid).getFirst();
        await().atMost(WAIT).until(() -> deleted.stopping);

        assertShutdownWaitsFor(deleted);
    }

    @Test
    void shutdownWaitsForTheDrainOfTheRevisionAnUpdateReplacedJustBefore() throws Exception {
        String uuid = registry.create(spec("updated-before-shutdown", "")).uuid();
        await().atMost(WAIT).until(() -> running(uuid));
        sources.stopGate = new CountDownLatch(1);
        registry.update(uuid, JSON.readTree("{\"BatchSize\": 5}"));
        ScriptedSources.Scripted replaced = sources.builtFor(uuid).getFirst();
        await().atMost(WAIT).until(() -> replaced.stopping);

        assertShutdownWaitsFor(replaced);
    }

    /**
     * The shutdown must not return while {@code draining} still drains (its stop waits for the gate): the worker
     * closes the lease store, the clients and the data directory's lock right after it.
     */
    private void assertShutdownWaitsFor(ScriptedSources.Scripted draining) throws Exception {
        AtomicBoolean stoppedWhenShutdownReturned = new AtomicBoolean();
        Thread shutdown = Thread.ofVirtual().start(() -> {
            try {
                registry.shutdown(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stoppedWhenShutdownReturned.set(draining.stopped);
        });
        // Without the wait the shutdown returns at once; with it, it waits for the gate.
        await().pollDelay(Duration.ZERO).during(Duration.ofMillis(500)).atMost(WAIT).until(shutdown::isAlive);
        sources.stopGate.countDown();
        shutdown.join();

        assertThat(stoppedWhenShutdownReturned).isTrue();
    }
}
