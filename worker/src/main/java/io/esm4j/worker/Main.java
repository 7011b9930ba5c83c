package io.esm4j.worker;

import io.esm4j.dynamodb.DynamoDbLeaseStoreSettings;
import io.esm4j.settings.InvalidSettingException;
import io.esm4j.settings.Setting;
import io.esm4j.settings.StreamSettings;
import io.esm4j.worker.config.Endpoints;
import io.esm4j.worker.local.LocalMode;
import io.esm4j.worker.logging.LogSettings;
import io.esm4j.worker.mappings.MappingConflictException;
import io.esm4j.worker.source.StreamTuning;
import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.regions.Region;

/**
 * The worker's command line.
 *
 * <pre>
 * java -jar esm4j-worker.jar [--config mappings.yaml] [--data-dir esm4j-data] [--bind 127.0.0.1] [--port 8080]
 *                            [--endpoint sqs=http://127.0.0.1:9324 ...] [--region us-east-1]
 *                            [--drain-timeout 30] [--worker-id ID] [--lease-table NAME | --lease-redis URL]
 *                            [--mapping-table NAME | --mapping-redis URL]
 *                            [--api-keys FILE] [--msk-public-endpoints]
 *                            [--failover-time 10s] [--idle-poll-interval 250ms] [--shard-sync-interval 30s]
 *                            [--checkpoint-interval 1s]
 * java -jar esm4j-worker.jar --local [--exit-after-demo]
 * </pre>
 *
 * Exit status 2 when the worker does not start (an invalid option or file, or what an option names cannot be used).
 *
 * SIGTERM (and Ctrl-C) drains every mapping, writes final checkpoints and exits with status 0.
 */
public final class Main {

    /**
     * How long one request may take to arrive whole, from its first byte, before the HTTP server closes its
     * connection. The JDK's server waits for ever by default, so a client that starts a request and stops sending
     * would hold its connection (and, on the mapping API, what it sent) as long as it likes.
     */
    static final int MAX_REQUEST_SECONDS = 30;
    static final String MAX_REQUEST_TIME = "sun.net.httpserver.maxReqTime";

    private Main() {}

    /** Sets the JDK server's request time limit to {@link #MAX_REQUEST_SECONDS} unless the user set another. */
    static void limitRequestTime(Properties systemProperties) {
        systemProperties.putIfAbsent(MAX_REQUEST_TIME, Integer.toString(MAX_REQUEST_SECONDS));
    }

    public static void main(String[] args) throws Exception {
        // Read once, when the JDK's server is first used: so before anything else.
        limitRequestTime(System.getProperties());
        Arguments arguments;
        try {
            LogSettings.check();
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        try {
            arguments = Arguments.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(Arguments.USAGE);
            System.exit(2);
            return;
        }
        if (arguments.help) {
            System.out.println(Arguments.USAGE);
            return;
        }
        if (arguments.local) {
            // Local mode is read by a person: one line per event; a fleet's worker writes JSON lines.
            System.setProperty("esm4j.log.format", System.getProperty("esm4j.log.format", "text"));
            LocalMode.run(arguments.options, arguments.exitAfterDemo);
            return;
        }
        Worker worker;
        try {
            worker = Worker.start(arguments.options);
        } catch (IllegalArgumentException | MappingConflictException e) {
            // InvalidMappingException and esm-core's InvalidSettingException both name the field, value and range;
            // a conflict names the two mappings of the file that map the same source to the same function.
            System.err.println("esm4j worker: invalid configuration: " + e.getMessage());
            System.exit(2);
            return;
        } catch (CannotStartException e) {
            System.err.println("esm4j worker: cannot start: " + e.getMessage());
            System.exit(2);
            return;
        } catch (IOException e) {
            System.err.println("esm4j worker: cannot start: " + e);
            System.exit(2);
            return;
        }
        runUntilSignalled(worker);
    }

    /** Prints where the worker listens, then blocks; SIGTERM drains the worker and exits 0. */
    public static void runUntilSignalled(Worker worker) throws InterruptedException {
        runUntilSignalled(worker, () -> { });
    }

    /**
     * The same, running {@code afterStop} once the worker has stopped (local mode stops its servers there: shutdown
     * hooks run in no order, and this one ends the JVM).
     */
    public static void runUntilSignalled(Worker worker, Runnable afterStop) throws InterruptedException {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            int status = 0;
            try {
                worker.close();
                afterStop.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | Error e) {
                // What the stop did not finish (checkpoints, files, the lock) must not pass for a clean stop.
                status = 1;
                LoggerFactory.getLogger(Main.class).atError().setCause(e).log("worker stop failed");
            } finally {
                System.out.flush();
                System.err.flush();
                // A JVM ended by a signal exits with 128 + the signal's number even when its hooks succeed; a drain
                // that completed is a clean stop, so say so.
                Runtime.getRuntime().halt(status);
            }
        }, "esm4j-worker-shutdown"));
        System.out.println("esm4j worker listening on " + worker.url());
        System.out.flush();
        new CountDownLatch(1).await();
    }

    /** The parsed command line. */
    static final class Arguments {

        private static final Set<String> REDIS_SCHEMES =
                Set.of("redis", "rediss", "redis-sentinel", "rediss-sentinel");

        static final String USAGE = """
                usage: java -jar esm4j-worker.jar [options]
                  --config FILE          mappings file, JSON or YAML (Lambda's CreateEventSourceMapping fields)
                  --data-dir DIR         API mappings and checkpoints survive restarts here (default %s)
                  --bind ADDRESS         address of the HTTP server (default %s)
                  --port N               port of the HTTP server, 0 for a free one (default %d)
                  --endpoint SVC=URL     endpoint override for sqs, kinesis, dynamodbstreams, lambda, sns, s3,
                                         dynamodb, secretsmanager, kafka (MSK's API), glue (repeatable)
                  --region REGION        AWS region (default: the SDK's region chain, else us-east-1)
                  --drain-timeout SEC    how long a stop waits for in-flight batches, 0-%d (default %d)
                  --worker-id ID         this worker's id in leases (default %s)
                  --lease-table NAME     stream shard leases in this DynamoDB table, shared by workers (default:
                                         in the data directory, one worker per stream)
                  --lease-redis URL      stream shard leases in this Redis or Valkey, shared by workers; instead
                                         of --lease-table (redis://host:port, rediss:// for TLS; a cluster's
                                         node or configuration endpoint; redis-sentinel://host:port#master)
                  --mapping-table NAME   API mappings in this DynamoDB table, shared by workers (default: in the
                                         data directory, per worker)
                  --mapping-redis URL    API mappings in this Redis or Valkey server, shared by workers; instead
                                         of --mapping-table
                  --api-keys FILE        require AWS SigV4-signed API calls by a key of FILE (ACCESS_KEY_ID:SECRET
                                         lines); default: the API is not authenticated
                  --failover-time DUR    FailoverTime of stream leases, %s (default %s)
                  --idle-poll-interval DUR  IdlePollInterval of polled streams, %s (default %s)
                  --shard-sync-interval DUR ShardSyncInterval of streams, %s (default %s)
                  --checkpoint-interval DUR CheckpointInterval of streams and Kafka, %s (default %s)
                                         (DUR: a whole number and ms, s, min or h, e.g. 500ms or 3s; workers
                                         sharing a lease table must have the same --failover-time)
                  --msk-public-endpoints Amazon MSK mappings connect to their clusters' public broker endpoints
                                         (default: the VPC's, as Lambda does)
                  --local                run locally: in-process SQS (ElasticMQ) and Kafka, demo mappings
                  --exit-after-demo      with --local: stop once the demo's messages are handled
                  --help                 print this text (also -h)
                exit status: 0 after a stop by SIGTERM or Ctrl-C (mappings drained) and after --help; 2 for an
                invalid option or mappings file, or when what an option names cannot be used
                """.formatted(WorkerOptions.DEFAULT_DATA_DIRECTORY, WorkerOptions.DEFAULT_BIND_ADDRESS,
                WorkerOptions.DEFAULT_PORT, WorkerOptions.MAX_DRAIN_TIMEOUT.toSeconds(),
                WorkerOptions.DEFAULT_DRAIN_TIMEOUT.toSeconds(),
                WorkerOptions.DEFAULT_WORKER_ID_FORM,
                range(StreamSettings.FAILOVER_TIME), StreamSettings.FAILOVER_TIME.defaultText(),
                range(StreamSettings.IDLE_POLL_INTERVAL), StreamSettings.IDLE_POLL_INTERVAL.defaultText(),
                range(StreamSettings.SHARD_SYNC_INTERVAL), StreamSettings.SHARD_SYNC_INTERVAL.defaultText(),
                range(StreamSettings.CHECKPOINT_INTERVAL), StreamSettings.CHECKPOINT_INTERVAL.defaultText());

        WorkerOptions options = WorkerOptions.defaults();
        boolean local;
        boolean exitAfterDemo;
        boolean help;

        static Arguments parse(String[] args) {
            Arguments parsed = new Arguments();
            Map<String, String> endpoints = new LinkedHashMap<>();
            boolean drainTimeoutGiven = false;
            Set<String> given = new HashSet<>();
            String bind = parsed.options.bindAddress();
            int port = parsed.options.port();
            for (int i = 0; i < args.length; i++) {
                String flag = args[i];
                switch (flag) {
                    case "--local" -> parsed.local = true;
                    case "--exit-after-demo" -> parsed.exitAfterDemo = true;
                    case "--msk-public-endpoints" -> parsed.options = parsed.options.withMskPublicEndpoints(true);
                    case "--help", "-h" -> parsed.help = true;
                    default -> {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException("Unknown option or missing value: " + flag);
                        }
                        String value = args[++i];
                        // The last of two would win without a word; the value is not echoed (a Redis URL's password).
                        if (!flag.equals("--endpoint") && !given.add(flag)) {
                            throw new IllegalArgumentException("Invalid options: " + flag + " given twice. Expected "
                                    + "it once.");
                        }
                        switch (flag) {
                            case "--config" -> parsed.options = parsed.options.withConfigFile(Path.of(value));
                            case "--data-dir" -> parsed.options = parsed.options.withDataDirectory(Path.of(value));
                            case "--bind" -> bind = value;
                            case "--port" -> port = integer(flag, value);
                            case "--endpoint" -> {
                                int eq = value.indexOf('=');
                                if (eq <= 0) {
                                    throw new IllegalArgumentException("Invalid value for --endpoint: " + value
                                            + ". Expected SERVICE=URL, e.g. sqs=http://127.0.0.1:9324.");
                                }
                                if (endpoints.put(value.substring(0, eq), value.substring(eq + 1)) != null) {
                                    throw new IllegalArgumentException("Invalid options: --endpoint "
                                            + value.substring(0, eq) + "=... given twice. Expected one endpoint per "
                                            + "service.");
                                }
                            }
                            case "--region" -> parsed.options = parsed.options.withAws(region(value),
                                    parsed.options.credentials());
                            case "--drain-timeout" -> {
                                parsed.options = parsed.options.withDrainTimeout(Worker.parseDuration(flag, value));
                                drainTimeoutGiven = true;
                            }
                            case "--worker-id" -> parsed.options = parsed.options.withWorkerId(value);
                            case "--lease-table" -> parsed.options = parsed.options.withLeases(
                                    only("lease", parsed.options.leases(), table(flag, value)));
                            case "--lease-redis" -> parsed.options = parsed.options.withLeases(
                                    only("lease", parsed.options.leases(), redis(flag, value)));
                            case "--mapping-table" -> parsed.options = parsed.options.withMappings(
                                    only("mapping", parsed.options.mappings(), table(flag, value)));
                            case "--mapping-redis" -> parsed.options = parsed.options.withMappings(
                                    only("mapping", parsed.options.mappings(), redis(flag, value)));
                            case "--api-keys" -> parsed.options = parsed.options.withApiKeys(Path.of(value));
                            default -> {
                                StreamTuning.Option option = StreamTuning.option(flag);
                                if (option == null) {
                                    throw new IllegalArgumentException("Unknown option: " + flag);
                                }
                                parsed.options = parsed.options.withStreamTuning(
                                        parsed.options.streamTuning().with(option, value));
                            }
                        }
                    }
                }
            }
            parsed.options = parsed.options.withListen(bind, port)
                    .withEndpoints(Endpoints.parse(endpoints, "--endpoint"));
            if (parsed.exitAfterDemo && !parsed.local) {
                throw new IllegalArgumentException("Invalid options: --exit-after-demo without --local. Expected "
                        + "--local --exit-after-demo: it stops the worker once local mode's demo is done.");
            }
            if (parsed.local && parsed.options.configFile() != null) {
                throw new IllegalArgumentException("Invalid options: --config with --local. Expected one of them: "
                        + "local mode runs its demo's own mappings file.");
            }
            // Local mode replaces these with its in-process servers' (LocalMode): taken silently, they would be
            // ignored, and a DynamoDB table would be in its in-process dynalite, gone with the process, or behind its
            // closed port; a Redis lease store is replaced by the Kinesis demo's table, and a Redis mapping store
            // would be shared with the workers that use it, whose mappings local mode would run.
            for (String own : List.of("--data-dir", "--region", "--endpoint", "--lease-table", "--lease-redis",
                    "--mapping-table", "--mapping-redis")) {
                if (parsed.local && (given.contains(own) || own.equals("--endpoint") && !endpoints.isEmpty())) {
                    throw new IllegalArgumentException("Invalid options: " + own + " with --local. Expected --local "
                            + "without --data-dir, --region, --endpoint, --lease-table, --lease-redis, "
                            + "--mapping-table and --mapping-redis: local mode uses a data directory, region and "
                            + "endpoints of its own, and lease and mapping stores of its own (a DynamoDB table would "
                            + "be in its in-process server, gone when it stops, or behind the closed port it gives "
                            + "services it runs no server for; a Redis store would be shared with the workers that "
                            + "use it).");
                }
            }
            if (parsed.local && !drainTimeoutGiven) {
                parsed.options = parsed.options.withDrainTimeout(LocalMode.DRAIN_TIMEOUT);
            }
            return parsed;
        }

        /** The setting's range in ASCII, for a terminal whose encoding has no en dash. */
        private static String range(Setting setting) {
            return setting.range().replace("–", " to ");
        }

        /** One place for each kind of state: a second --lease-* (--mapping-*) flag is an error, not a silent choice. */
        private static StoreLocation only(String kind, StoreLocation current, StoreLocation location) {
            if (!(current instanceof StoreLocation.DataDirectory)) {
                throw new IllegalArgumentException("Invalid options: --" + kind + "-table and --" + kind + "-redis "
                        + "given together, or one of them twice. Expected at most one place for the " + kind + "s.");
            }
            return location;
        }

        /** DynamoDB's rule for table names, as the lease store's settings check it, naming the option. */
        private static StoreLocation.DynamoDbTable table(String flag, String value) {
            try {
                DynamoDbLeaseStoreSettings.builder().tableName(value).build();
            } catch (InvalidSettingException e) {
                throw new IllegalArgumentException(e.getMessage().replace("for " + e.parameter() + ":",
                        "for " + flag + ":"), e);
            }
            return new StoreLocation.DynamoDbTable(value);
        }

        private static StoreLocation.Redis redis(String flag, String value) {
            URI uri = redisUrl(value);
            if (uri == null) {
                // The value may carry a password: the message names its form, not the value.
                throw new IllegalArgumentException("Invalid value for " + flag + ". Expected a Redis URL, "
                        + "redis://[user:password@]host[:port][/database] (rediss:// for TLS; a cluster's node or "
                        + "configuration endpoint), or redis-sentinel://[password@]host[:port][,host2[:port2]]"
                        + "[/database]#master.");
            }
            return new StoreLocation.Redis(uri);
        }

        /** The value as a Redis URL with a host (a Sentinel URL with its master's name), else null. */
        private static @Nullable URI redisUrl(String value) {
            try {
                URI uri = new URI(value);
                // Without a scheme there is none to look up (an immutable set throws on null).
                if (uri.getScheme() == null || !REDIS_SCHEMES.contains(uri.getScheme())) {
                    return null;
                }
                RedisURI parsed = RedisURI.create(uri);
                boolean complete = parsed.getSentinels().isEmpty() ? parsed.getHost() != null
                        : parsed.getSentinelMasterId() != null;
                return complete ? uri : null;
            } catch (URISyntaxException | IllegalArgumentException e) {
                return null;
            }
        }

        /**
         * Any region the SDK could call, new ones included: a letters-digits-hyphens id such as us-east-1. A typo of
         * a real region passes, and shows as the endpoint that does not resolve.
         */
        private static Region region(String value) {
            if (!value.matches("[a-z0-9]+(-[a-z0-9]+)*")) {
                throw new IllegalArgumentException("Invalid value for --region: '" + value + "'. Expected an AWS "
                        + "region such as us-east-1.");
            }
            return Region.of(value);
        }

        private static int integer(String flag, String value) {
            try {
                return Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Invalid value for " + flag + ": " + value + ". Expected an "
                        + "integer.");
            }
        }
    }
}
