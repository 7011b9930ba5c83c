package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.esm4j.testsupport.Dynalite;
import io.esm4j.testsupport.RequiresNode;
import io.esm4j.worker.config.Endpoints;
import io.esm4j.worker.mappings.MappingNotFoundException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.ResourceConflictException;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;

/**
 * Workers sharing a DynamoDB mapping table ({@code --mapping-table}, dynalite) through Lambda's API and the SDK's
 * LambdaClient: a mapping created through one worker is seen and run by the others and survives restarts; updates and
 * deletes made through one worker reach the others.
 */
@RequiresNode
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SharedMappingTableTest {

    private static final AtomicInteger TABLES = new AtomicInteger();

    private Dynalite dynalite;
    private ElasticMq elasticMq;
    private RecordingFunction function;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        dynalite = Dynalite.start();
        elasticMq = new ElasticMq();
        function = new RecordingFunction();
    }

    @AfterAll
    void stop() throws Exception {
        try {
            function.close();
            elasticMq.close();
        } finally {
            dynalite.close();
        }
    }

    @AfterEach
    void closeWorkers() throws Exception {
        try (AutoCloseable ending = elasticMq.endingLongPolls()) {
            for (AutoCloseable closeable : opened.reversed()) {
                closeable.close();
            }
        }
        opened.clear();
    }

    private Worker worker(String table) throws Exception {
        Worker worker = Worker.start(WorkerOptions.defaults()
                .withDataDirectory(Files.createTempDirectory("esm4j-shared-mappings"))
                .withListen("127.0.0.1", 0)
                .withEndpoints(Endpoints.none().with("sqs", elasticMq.endpoint)
                        .with("dynamodb", dynalite.endpoint()))
                .withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS).withDrainTimeout(Duration.ofSeconds(2))
                .withMappings(new StoreLocation.DynamoDbTable(table)));
        opened.add(worker);
        return worker;
    }

    private LambdaClient lambda(Worker worker) {
        LambdaClient client = LambdaClient.builder().endpointOverride(worker.url()).region(Region.US_EAST_1)
                .credentialsProvider(ElasticMq.CREDENTIALS).build();
        opened.add(client);
        return client;
    }

    private static String table() {
        return "esm4j-worker-mappings-" + TABLES.incrementAndGet();
    }

    /** Two workers on one mapping table, each with its own API client, and a mapping created through the first. */
    private record TwoWorkers(String table, String queueArn, Worker a, Worker b, LambdaClient lambdaA,
            LambdaClient lambdaB, String uuid) {}

    private TwoWorkers twoWorkersWithAMapping(String queue) throws Exception {
        String table = table();
        String arn = elasticMq.queue(queue, 5);
        Worker a = worker(table);
        Worker b = worker(table);
        LambdaClient lambdaA = lambda(a);
        LambdaClient lambdaB = lambda(b);
        String uuid = lambdaA.createEventSourceMapping(r -> r.eventSourceArn(arn)
                .functionName(function.url().toString()).batchSize(4)).uuid();
        return new TwoWorkers(table, arn, a, b, lambdaA, lambdaB, uuid);
    }

    private static boolean enabled(LambdaClient lambda, String uuid) {
        return lambda.getEventSourceMapping(r -> r.uuid(uuid)).state().equals("Enabled");
    }

    @Test
    void aMappingCreatedThroughOneWorkerRunsOnEveryWorkerAndSurvivesRestarts() throws Exception {
        TwoWorkers shared = twoWorkersWithAMapping("shared-create");
        String uuid = shared.uuid();

        assertThat(shared.lambdaB().getEventSourceMapping(r -> r.uuid(uuid)).batchSize()).isEqualTo(4);
        // Worker B starts it by its periodic read of the table, without an API call.
        await().atMost(Duration.ofSeconds(60)).until(() -> shared.b().registry().get(uuid).state().equals("Enabled"));
        await().atMost(Duration.ofSeconds(60)).until(() -> enabled(shared.lambdaA(), uuid));
        IntStream.range(0, 6).forEach(i -> elasticMq.send("shared-create", "shared-" + i));
        await().atMost(Duration.ofSeconds(60)).until(() -> function.distinct.containsAll(
                IntStream.range(0, 6).mapToObj(i -> "shared-" + i).toList()));
        assertThatThrownBy(() -> shared.lambdaB().createEventSourceMapping(r -> r.eventSourceArn(shared.queueArn())
                .functionName(function.url().toString())))
                .isInstanceOf(ResourceConflictException.class).hasMessageContaining(uuid);

        closeWorkers();
        Worker restarted = worker(shared.table());
        LambdaClient lambda = lambda(restarted);

        assertThat(lambda.getEventSourceMapping(r -> r.uuid(uuid)).batchSize()).isEqualTo(4);
        await().atMost(Duration.ofSeconds(60)).until(() -> enabled(lambda, uuid));
        elasticMq.send("shared-create", "after-restart");
        await().atMost(Duration.ofSeconds(60)).until(() -> function.distinct.contains("after-restart"));
    }

    @Test
    void updatesAndDeletesThroughOneWorkerReachTheOthers() throws Exception {
        TwoWorkers shared = twoWorkersWithAMapping("shared-update");
        String uuid = shared.uuid();
        await().atMost(Duration.ofSeconds(60)).until(() -> enabled(shared.lambdaB(), uuid));

        AutoCloseable ending = elasticMq.endingLongPolls("shared-update");
        opened.add(ending);
        var updated = shared.lambdaB().updateEventSourceMapping(r -> r.uuid(uuid).batchSize(2));

        assertThat(updated.batchSize()).isEqualTo(2);
        assertThat(shared.b().registry().get(uuid).revision()).isEqualTo(2);
        // Worker A restarts the mapping with the new settings by its periodic read, without an API call.
        await().atMost(Duration.ofSeconds(60)).until(() -> shared.a().registry().get(uuid).revision() == 2);
        assertThat(shared.a().registry().get(uuid).spec().integer("BatchSize")).isEqualTo(2);
        await().atMost(Duration.ofSeconds(60)).until(() -> shared.a().registry().get(uuid).state().equals("Enabled"));

        assertThat(shared.lambdaA().deleteEventSourceMapping(r -> r.uuid(uuid)).state()).isEqualTo("Deleting");

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThatThrownBy(() -> shared.b().registry()
                .get(uuid)).isInstanceOf(MappingNotFoundException.class));
        assertThatThrownBy(() -> shared.lambdaB().updateEventSourceMapping(r -> r.uuid(uuid).batchSize(3)))
                .isInstanceOf(ResourceNotFoundException.class);
        assertThat(shared.a().registry().refreshFailures()).isZero();
        assertThat(shared.b().registry().refreshFailures()).isZero();
    }
}
