package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.kinesis.TestStreams;
import io.esm4j.redis.LocalRedis;
import io.esm4j.testsupport.RequiresNode;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.regions.Region;

/**
 * {@code --lease-redis}: two workers with the same mappings file, each with its own data directory, share a 4-shard
 * stream on kinesis-mock through leases in a real Redis: two shards each, every record handled.
 */
@RequiresNode
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisLeasesWorkerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int RECORDS = 200;

    @RegisterExtension
    static final LocalRedis redis = new LocalRedis();

    private KinesisMock kinesisMock;
    private RecordingFunction function;
    @TempDir
    Path first;
    @TempDir
    Path second;

    @BeforeAll
    void start() throws Exception {
        kinesisMock = new KinesisMock();
        function = new RecordingFunction();
    }

    @AfterAll
    void stop() {
        try {
            function.close();
        } finally {
            kinesisMock.close();
        }
    }

    @Test
    void twoWorkersShareTheShardsOfAStreamThroughLeasesInRedis() throws Exception {
        String streamArn = kinesisMock.activeStream("redis-leases", 4);
        TestStreams.putNumbered(kinesisMock.kinesis, "redis-leases", 0, RECORDS, 16);
        String workerFile = """
                Endpoints:
                  kinesis: %s
                EventSourceMappings:
                  - EventSourceArn: %s
                    FunctionName: %s
                    StartingPosition: TRIM_HORIZON
                """.formatted(kinesisMock.endpoint(), streamArn, function.url());
        RedisCommands<String, String> commands = redis.connect();
        try (Worker a = start(first, "worker-a", workerFile); Worker b = start(second, "worker-b", workerFile)) {
            await().atMost(Duration.ofSeconds(90)).until(() -> owners(commands).equals(Map.of("worker-a", 2,
                    "worker-b", 2)));
            await().atMost(Duration.ofSeconds(90)).until(() -> function.distinct.size() == RECORDS);
        }
        // Stopped workers release their leases: the shards wait, with their checkpoints, for the next worker.
        assertThat(owners(commands)).isEmpty();
    }

    private Worker start(Path directory, String workerId, String workerFile) throws IOException {
        Path config = directory.resolve("mappings.yaml");
        Files.writeString(config, workerFile);
        return Worker.start(WorkerOptions.defaults().withConfigFile(config).withDataDirectory(directory)
                .withListen("127.0.0.1", 0).withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS).withWorkerId(workerId)
                .withLeases(new LeaseLocation.Redis(URI.create(redis.url()))));
    }

    /** Shards per owner, over the leases of every mapping in Redis (the test has one). */
    private static Map<String, Integer> owners(RedisCommands<String, String> commands) throws IOException {
        Map<String, Integer> owners = new HashMap<>();
        List<String> keys = commands.keys("esm4j:leases:*");
        for (String key : keys) {
            for (String lease : commands.hvals(key)) {
                String owner = JSON.readTree(lease).path("owner").asText(null);
                if (owner != null) {
                    owners.merge(owner, 1, Integer::sum);
                }
            }
        }
        return owners;
    }
}
