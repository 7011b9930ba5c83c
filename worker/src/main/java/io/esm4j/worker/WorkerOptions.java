package io.esm4j.worker;

import io.esm4j.worker.config.Endpoints;
import io.esm4j.worker.source.StreamTuning;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * How a worker runs, from the command line: see {@link Main} for the flags.
 *
 * @param configFile    the mappings file (JSON or YAML), or null for API mappings only
 * @param dataDirectory where API mappings and stream checkpoints are kept across restarts
 * @param bindAddress   the address the HTTP server listens on (API, health, metrics, status page)
 * @param port          its port; 0 picks a free one (printed at start)
 * @param endpoints     endpoint overrides on top of the file's (the command line wins)
 * @param region        the AWS region, or null for the SDK's region chain (us-east-1 if it finds none)
 * @param credentials   the AWS credentials, or null for the SDK's default chain
 * @param drainTimeout  how long a stop waits for in-flight batches before interrupting them
 * @param workerId      this worker's id in lease tables and on the status page
 * @param leases        where stream shard leases and checkpoints live: the data directory (one worker per stream), or
 *                      a DynamoDB table or a Redis server shared by several workers
 * @param mappings      where the mappings created through the API live: the data directory (per worker), or a
 *                      DynamoDB table or a Redis server shared by several workers
 * @param apiKeys       a file of {@code ACCESS_KEY_ID:SECRET_ACCESS_KEY} lines: Lambda's mapping API then requires
 *                      requests signed (AWS Signature Version 4) by one of them; null leaves the API open
 * @param mskPublicEndpoints whether Amazon MSK mappings connect to their clusters' public broker endpoints (a worker
 *                      outside the cluster's VPC) instead of the VPC's, which Lambda uses
 * @param streamTuning  esm4j stream settings (FailoverTime, IdlePollInterval, ShardSyncInterval, CheckpointInterval)
 *                      for every stream mapping of the worker; unset ones keep esm-core's defaults
 */
public record WorkerOptions(@Nullable Path configFile, Path dataDirectory, String bindAddress, int port,
                            Endpoints endpoints, @Nullable Region region, @Nullable AwsCredentialsProvider credentials,
                            Duration drainTimeout, String workerId, StoreLocation leases,
                            StoreLocation mappings, @Nullable Path apiKeys, boolean mskPublicEndpoints,
                            StreamTuning streamTuning) {

    // The command line's defaults: its usage text is made from these, and a test checks the README's table.
    public static final Path DEFAULT_DATA_DIRECTORY = Path.of("esm4j-data");
    public static final String DEFAULT_BIND_ADDRESS = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
    /** A day: longer than any function's Timeout (at most 900 s), and far from a Duration's overflow in nanoseconds. */
    public static final Duration MAX_DRAIN_TIMEOUT = Duration.ofDays(1);
    /** The form of the default worker id, for the usage text and the README. */
    public static final String DEFAULT_WORKER_ID_FORM = "<host>-<pid>-<8 random hex digits>";
    /**
     * {@code <host>-<pid>-<8 hex digits>}, one per process: host and pid say where the worker runs, and the random
     * part keeps apart two processes that share both (containers on the host's network, each its own pid 1), which
     * would otherwise share one id in the lease table.
     */
    private static final String DEFAULT_WORKER_ID = hostName() + "-" + ProcessHandle.current().pid() + "-"
            + HexFormat.of().toHexDigits(new SecureRandom().nextInt());

    public WorkerOptions {
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(endpoints, "endpoints");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        Objects.requireNonNull(workerId, "workerId");
        Objects.requireNonNull(leases, "leases");
        Objects.requireNonNull(mappings, "mappings");
        Objects.requireNonNull(streamTuning, "streamTuning");
        if (workerId.isBlank()) {
            throw new IllegalArgumentException("Invalid value for --worker-id: '" + workerId + "'. Expected a "
                    + "non-blank id, unique among the workers sharing a lease table.");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("Invalid value for --port: " + port + ". Expected 0 to 65535.");
        }
    }

    public static WorkerOptions defaults() {
        return new WorkerOptions(null, DEFAULT_DATA_DIRECTORY, DEFAULT_BIND_ADDRESS, DEFAULT_PORT, Endpoints.none(),
                null, null, DEFAULT_DRAIN_TIMEOUT, DEFAULT_WORKER_ID, new StoreLocation.DataDirectory(),
                new StoreLocation.DataDirectory(), null, false, StreamTuning.none());
    }

    public WorkerOptions withConfigFile(@Nullable Path file) {
        return new WorkerOptions(file, dataDirectory, bindAddress, port, endpoints, region, credentials,
                drainTimeout, workerId, leases, mappings, apiKeys, mskPublicEndpoints,
                streamTuning);
    }

    public WorkerOptions withDataDirectory(Path directory) {
        return new WorkerOptions(configFile, directory, bindAddress, port, endpoints, region, credentials,
                drainTimeout, workerId, leases, mappings, apiKeys, mskPublicEndpoints,
                streamTuning);
    }

    public WorkerOptions withListen(String address, int listenPort) {
        return new WorkerOptions(configFile, dataDirectory, address, listenPort, endpoints, region, credentials,
                drainTimeout, workerId, leases, mappings, apiKeys, mskPublicEndpoints,
                streamTuning);
    }

    public WorkerOptions withEndpoints(Endpoints overrides) {
        return new WorkerOptions(configFile, dataDirectory, bindAddress, port, overrides, region, credentials,
                drainTimeout, workerId, leases, mappings, apiKeys, mskPublicEndpoints,
                streamTuning);
    }

    public WorkerOptions withAws(@Nullable Region awsRegion, @Nullable AwsCredentialsProvider provider) {
        return new WorkerOptions(configFile, dataDirectory, bindAddress, port, endpoints, awsRegion, provider,
                drainTimeout, workerId, leases, mappings, apiKeys, mskPublicEndpoints,
                streamTuning);
    }

    public WorkerOptions withDrainTimeout(Duration timeout) {
        return new WorkerOptions(configFile, dataDirectory, bindAddress, port, endpoints, region, credentials,
                timeout, workerId, leases, mappings, apiKeys, mskPublicEndpoints,
                streamTuning);
    }

    public WorkerOptions withWorkerId(String id) {
        return new WorkerOptions(configFile, dataDirectory, bindAddress, port, endpoints, region, credentials,
                drainTimeout, id, leases, mappings, apiKeys, mskPublicEndpoints,
                streamTuning);
    }

    public WorkerOptions withLeases(StoreLocation location) {
        return new WorkerOptions(configFile, dataDirectory, bindAddress, port, endpoints, region, credentials,
                drainTimeout, workerId, location, mappings, apiKeys, mskPublicEndpoints,
                streamTuning);
    }

    public WorkerOptions withMappings(StoreLocation location) {
        return new WorkerOptions(configFile, dataDirectory, bindAddress, port, endpoints, region, credentials,
                drainTimeout, workerId, leases, location, apiKeys, mskPublicEndpoints,
                streamTuning);
    }

    public WorkerOptions withApiKeys(@Nullable Path file) {
        return new WorkerOptions(configFile, dataDirectory, bindAddress, port, endpoints, region, credentials,
                drainTimeout, workerId, leases, mappings, file, mskPublicEndpoints, streamTuning);
    }

    public WorkerOptions withMskPublicEndpoints(boolean publicEndpoints) {
        return new WorkerOptions(configFile, dataDirectory, bindAddress, port, endpoints, region, credentials,
                drainTimeout, workerId, leases, mappings, apiKeys, publicEndpoints, streamTuning);
    }

    public WorkerOptions withStreamTuning(StreamTuning tuning) {
        return new WorkerOptions(configFile, dataDirectory, bindAddress, port, endpoints, region, credentials,
                drainTimeout, workerId, leases, mappings, apiKeys, mskPublicEndpoints, tuning);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }
}
