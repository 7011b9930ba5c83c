package io.esm4j.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.kinesis.KinesisMockServer;
import io.esm4j.kinesis.TestStreams;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.testsupport.RequiresNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/**
 * Three workers in three JVMs ({@link WorkerProcess}) share a 6-shard kinesis-mock stream through a DynamoDB lease
 * table on dynalite. One is killed with SIGKILL in the middle of a batch; the other two take its shards after the
 * failover time and continue from its last checkpoints: every record handled, per key in order, and the only
 * records handled twice are those of the dead worker's shards after its last checkpoint (its work in flight); the
 * balancing while the first records flow (leases handed over on request) handles none twice.
 */
@RequiresNode
@ExtendWith(DynaliteExtension.class)
class SeparateJvmTest {

    private static final String STREAM = "separate-jvms";
    private static final int SHARDS = 6;
    private static final int KEYS = 16;
    /** Short, for a short test; long enough that a loaded machine does not make live workers lose leases. */
    private static final Duration FAILOVER_TIME = Duration.ofSeconds(5);
    /** Only a bound for a hung test: three JVMs and two Node servers share two cores. */
    private static final Duration PATIENCE = Duration.ofMinutes(2);

    private static final List<Process> workers = new ArrayList<>();
    private static KinesisMockServer kinesisMock;
    private static KinesisClient kinesis;
    private static Clients.Worker dynamoDb;

    @TempDir
    static Path dir;

    @BeforeAll
    static void servers() throws Exception {
        kinesisMock = KinesisMockServer.start();
        kinesis = KinesisClient.builder().endpointOverride(kinesisMock.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"))).build();
        dynamoDb = Clients.worker();
    }

    /** Every worker process is killed, whatever happened; then the servers stop. */
    @AfterAll
    static void stopAll() throws InterruptedException {
        for (Process worker : workers) {
            worker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (dynamoDb != null) {
            dynamoDb.close();
        }
        if (kinesis != null) {
            kinesis.close();
        }
        if (kinesisMock != null) {
            kinesisMock.close();
        }
    }

    @Test
    void aKilledWorkersShardsMoveAfterTheFailoverTimeAndNothingIsLost() throws Exception {
        TestStreams.create(kinesis, STREAM, SHARDS);
        String table = Clients.table("jvms");
        DynamoDbLeaseStore observer = new DynamoDbLeaseStore(dynamoDb.client(),
                DynamoDbLeaseStoreSettings.builder().tableName(table).build());
        Map<String, Process> byId = new HashMap<>();
        for (String id : List.of("w1", "w2", "w3")) {
            byId.put(id, start(id, table));
        }
        // The first records flow while the fleet balances: a lease moves only when its owner hands it over (final
        // checkpoint, then release), so no record reaches two workers.
        TestStreams.putNumbered(kinesis, STREAM, 0, 300, KEYS);
        await().atMost(PATIENCE).until(() -> owners(observer).size() == 3
                && owners(observer).values().stream().allMatch(n -> n == SHARDS / 3));
        await().atMost(PATIENCE).until(() -> handled().keySet().size() == 300);

        Files.createFile(output("w1").resolveSibling("w1.out.stall"));
        TestStreams.putNumbered(kinesis, STREAM, 300, 300, KEYS);
        await().atMost(PATIENCE).until(() -> Files.exists(output("w1").resolveSibling("w1.out.stalled")));
        Process w1 = byId.get("w1");
        w1.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        long killedAt = System.currentTimeMillis();
        // The dead worker's last checkpoints: nothing up to them may come again.
        Map<String, Checkpoint> deadCheckpoints = observer.list(WorkerProcess.MAPPING).stream()
                .filter(l -> "w1".equals(l.owner()))
                .collect(Collectors.toMap(Lease::shardId, Lease::checkpoint));
        assertThat(deadCheckpoints).hasSize(SHARDS / 3);

        await().atMost(PATIENCE).until(() -> handled().keySet().size() == 600
                && owners(observer).keySet().equals(Set.of("w2", "w3")));

        Map<Integer, List<Line>> handled = handled();
        assertThat(handled.keySet()).as("every record").isEqualTo(
                IntStream.range(0, 600).boxed().collect(Collectors.toSet()));
        for (List<Line> times : handled.values()) {
            Line first = times.getFirst();
            if (times.size() > 1) {
                String context = times + ", the dead worker's checkpoints " + deadCheckpoints + ", killed at "
                        + killedAt;
                assertThat(deadCheckpoints).as("a record handled twice is from a shard of the dead worker: %s",
                        context).containsKey(first.shardId());
                assertThat(after(first.sequenceNumber(), deadCheckpoints.get(first.shardId())))
                        .as("a record handled twice is after the dead worker's checkpoint: %s", context).isTrue();
                assertThat(times).as("handled by the dead worker, then once by its successor").hasSize(2);
                assertThat(first.worker()).isEqualTo("w1");
                assertThat(times.get(1).worker()).isNotEqualTo("w1");
            }
        }
        // The record w1 was in the middle of when it died had no checkpoint: its successor handled it again.
        assertThat(handled.get(lines("w1").getLast().n())).as("the record in flight at the kill").hasSize(2);
        for (String id : List.of("w1", "w2", "w3")) {
            assertPerKeyInOrder(id);
        }
    }

    private static Process start(String id, String table) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder builder = new ProcessBuilder(java.toString(), "-Xmx192m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                WorkerProcess.class.getName(), kinesisMock.endpoint().toString(),
                DynaliteExtension.endpoint().toString(), STREAM, table, id, output(id).toString(),
                Long.toString(FAILOVER_TIME.toMillis()))
                .redirectErrorStream(true).redirectOutput(dir.resolve(id + ".log").toFile());
        Process process = builder.start();
        workers.add(process);
        return process;
    }

    private static Path output(String id) {
        return dir.resolve(id + ".out");
    }

    private static Map<String, Long> owners(DynamoDbLeaseStore observer) {
        return observer.list(WorkerProcess.MAPPING).stream().filter(l -> !l.ended() && l.owner() != null)
                .collect(Collectors.groupingBy(Lease::owner, Collectors.counting()));
    }

    /** A line of a worker's output; the time (ms since the epoch) makes a failure's message tell what came first. */
    private record Line(String worker, String shardId, String sequenceNumber, String key, int n, long millis) {}

    private static List<Line> lines(String id) {
        try {
            if (!Files.exists(output(id))) {
                return List.of();
            }
            // The last line may be half written by a worker that is running.
            return Files.readAllLines(output(id)).stream().map(l -> l.split(" ")).filter(f -> f.length == 5)
                    .map(f -> new Line(id, f[0], f[1], f[2], Integer.parseInt(f[3].substring(1)),
                            Long.parseLong(f[4]))).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Each record's handlings, in order of time. */
    private static Map<Integer, List<Line>> handled() {
        Map<Integer, List<Line>> handled = new HashMap<>();
        for (String id : List.of("w1", "w2", "w3")) {
            lines(id).forEach(line -> handled.computeIfAbsent(line.n(), n -> new ArrayList<>()).add(line));
        }
        handled.values().forEach(times -> times.sort(Comparator.comparingLong(Line::millis)));
        return handled;
    }


    /** Within one worker, each key's records come in order, each once (no handler failed, no lease came back). */
    private static void assertPerKeyInOrder(String id) {
        Map<String, List<Integer>> perKey = new HashMap<>();
        Set<Integer> seen = new HashSet<>();
        for (Line line : lines(id)) {
            assertThat(seen.add(line.n())).as("%s handled r%d once", id, line.n()).isTrue();
            perKey.computeIfAbsent(line.key(), k -> new ArrayList<>()).add(line.n());
        }
        perKey.forEach((key, numbers) -> assertThat(numbers).as("%s, key %s", id, key).isSorted());
    }

    private static boolean after(String sequenceNumber, Checkpoint checkpoint) {
        return switch (checkpoint) {
            case Checkpoint.TrimHorizon t -> true;
            case Checkpoint.AtSequenceNumber at -> new BigInteger(sequenceNumber)
                    .compareTo(new BigInteger(at.sequenceNumber().split("/")[0])) > 0;
            default -> throw new AssertionError("unexpected checkpoint of a live shard: " + checkpoint);
        };
    }
}
