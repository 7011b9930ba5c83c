package io.esm4j.bench;

import io.esm4j.kinesis.KinesisMockServer;
import io.esm4j.kinesis.TestStreams;
import io.esm4j.testsupport.Dynalite;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/**
 * DynamoDB lease stores side by side: esm4j's {@code DynamoDbLeaseStore} and KCL 3.5.1, each as three workers of one
 * consumer on a kinesis-mock stream with the lease table on dynalite, default settings on both (FailoverTime /
 * failoverTimeMillis 10 s). For each: DynamoDB calls per shard per minute while idle and while records flow, then
 * the time from abandoning a worker (its clients cut off: no renewal, no release) until every shard it held is
 * processing again. Figures, no assertions; the machine is shared, so single runs vary.
 *
 * <p>{@code --shards 4 --idle-seconds 60 --load-seconds 60 --rate 1000 --only esm4j|kcl
 * --failover-patience-seconds 300 --log-file <path>} (the log file gets both sides' INFO logs, off otherwise)
 */
public final class LeaseBench {

    private static final Duration PATIENCE = Duration.ofMinutes(5);
    private static final Duration BALANCE_PATIENCE = Duration.ofMinutes(2);

    /** The command line's choices. */
    private record Options(int shards, int idleSeconds, int loadSeconds, int rate, String only,
                           Duration failoverPatience) {}

    private LeaseBench() {}

    public static void main(String[] args) throws Exception {
        String logFile = Machine.arg(args, "log-file", "");
        if (logFile.isEmpty()) {
            // The abandoned worker's failures are provoked; their stack traces would bury the figures.
            System.setProperty("org.slf4j.simpleLogger.log.software.amazon.kinesis", "off");
            System.setProperty("org.slf4j.simpleLogger.log.io.esm4j", "off");
        } else {
            System.setProperty("org.slf4j.simpleLogger.logFile", logFile);
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
            System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        }
        Options options = new Options(Integer.parseInt(Machine.arg(args, "shards", "4")),
                Integer.parseInt(Machine.arg(args, "idle-seconds", "60")),
                Integer.parseInt(Machine.arg(args, "load-seconds", "60")),
                Integer.parseInt(Machine.arg(args, "rate", "1000")), Machine.arg(args, "only", ""),
                Duration.ofSeconds(Long.parseLong(Machine.arg(args, "failover-patience-seconds", "300"))));
        System.out.printf(Locale.ROOT, "%d shards, 3 workers, idle %d s, load %d s at up to %d records/s; load %s%n",
                options.shards(), options.idleSeconds(), options.loadSeconds(), options.rate(),
                Machine.loadAverage());
        try {
            sides(options);
        } finally {
            // The KCL leaves non-daemon threads behind, which would keep exec:java waiting, even after a failure.
            System.out.flush();
            System.exit(0);
        }
    }

    private static void sides(Options options) throws Exception {
        try (KinesisMockServer kinesisMock = KinesisMockServer.start();
             Dynalite dynalite = Dynalite.start();
             KinesisClient kinesis = KinesisClient.builder().endpointOverride(kinesisMock.endpoint())
                     .region(Region.US_EAST_1).credentialsProvider(Esm4jFleet.CREDENTIALS).build()) {
            for (String side : new String[] {"esm4j", "kcl"}) {
                if (!options.only().isEmpty() && !options.only().equals(side)) {
                    continue;
                }
                String stream = side + "-bench";
                TestStreams.create(kinesis, stream, options.shards());
                ShardActivity activity = new ShardActivity();
                long started = System.nanoTime();
                try (BenchFleet fleet = side.equals("esm4j")
                        ? new Esm4jFleet(kinesisMock.endpoint(), dynalite.endpoint(), stream, activity)
                        : new KclFleet(kinesisMock.endpoint(), dynalite.endpoint(), stream, activity);
                     Producer producer = new Producer(kinesis, stream, 0)) {
                    run(side, fleet, producer, activity, options, started);
                }
            }
        }
    }

    private static void run(String side, BenchFleet fleet, Producer producer, ShardActivity activity,
                            Options options, long started) throws Exception {
        int shards = options.shards();
        int idleSeconds = options.idleSeconds();
        int loadSeconds = options.loadSeconds();
        if (!await("every shard has an owner", PATIENCE, () -> fleet.holdings().values().stream()
                .mapToInt(Set::size).sum() == shards)) {
            throw new IllegalStateException(side + ": not every shard has an owner: " + sizes(fleet.holdings()));
        }
        System.out.printf(Locale.ROOT, "%s: start -> every shard has an owner: %.1f s; holdings %s%n", side,
                (System.nanoTime() - started) / 1e9, sizes(fleet.holdings()));
        // The KCL 3 assigns by measured throughput, not by count: it may leave a worker without a lease for long.
        boolean spread = await("every worker holds a lease", BALANCE_PATIENCE,
                () -> fleet.holdings().keySet().containsAll(fleet.workers()));
        System.out.printf(Locale.ROOT, "%s: start -> every worker holds a lease: %s; holdings %s%n", side,
                spread ? String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - started) / 1e9)
                        : "not within " + BALANCE_PATIENCE, sizes(fleet.holdings()));

        fleet.resetCalls();
        Thread.sleep(idleSeconds * 1000L);
        print(side, "idle", fleet.dynamoDbCalls(), shards, idleSeconds);

        producer.rate(options.rate());
        Thread.sleep(10_000);
        fleet.resetCalls();
        long put = producer.put();
        long handled = activity.records();
        Thread.sleep(loadSeconds * 1000L);
        Map<String, Long> loaded = fleet.dynamoDbCalls();
        System.out.printf(Locale.ROOT, "%s: load: %.0f records/s put, %.0f records/s handled; load %s%n", side,
                (producer.put() - put) / (double) loadSeconds, (activity.records() - handled) / (double) loadSeconds,
                Machine.loadAverage());
        print(side, "load", loaded, shards, loadSeconds);

        producer.rate(40);
        Map<String, Set<String>> holdings = fleet.holdings();
        String victim = holdings.entrySet().stream()
                .max(Comparator.comparingInt((Map.Entry<String, Set<String>> e) -> e.getValue().size()))
                .orElseThrow().getKey();
        activity.abandoned(victim, holdings.get(victim));
        fleet.cut(victim);
        if (!await("the abandoned worker's shards are processed again", options.failoverPatience(),
                activity::allResumed)) {
            System.out.printf(Locale.ROOT, "%s: abandoned a worker holding %d shards -> not all processing again "
                    + "within %s; holdings now %s%n", side, holdings.get(victim).size(), options.failoverPatience(),
                    sizes(fleet.holdings()));
            return;
        }
        System.out.printf(Locale.ROOT, "%s: abandoned a worker holding %d shards -> all processing again: %.1f s; "
                + "holdings now %s%n", side, holdings.get(victim).size(), activity.secondsToAllResumed(),
                sizes(fleet.holdings()));
    }

    private static void print(String side, String phase, Map<String, Long> calls, int shards, int seconds) {
        long total = calls.values().stream().mapToLong(Long::longValue).sum();
        Map<String, String> perShardMinute = new LinkedHashMap<>();
        calls.forEach((operation, n) -> perShardMinute.put(operation,
                String.format(Locale.ROOT, "%.1f", n * 60.0 / seconds / shards)));
        System.out.printf(Locale.ROOT, "%s: %s: %.1f DynamoDB calls per shard per minute %s%n", side, phase,
                total * 60.0 / seconds / shards, perShardMinute);
    }

    private static Map<String, Integer> sizes(Map<String, Set<String>> holdings) {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        holdings.forEach((owner, shards) -> sizes.put(owner, shards.size()));
        return sizes;
    }

    /** True once the condition holds, false if it did not within the patience. */
    private static boolean await(String what, Duration patience, BooleanSupplier condition)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(patience);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                System.out.println("not within " + patience + ": " + what);
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }
}
