package io.esm4j.kinesis;

import io.esm4j.testsupport.FreePorts;
import io.esm4j.testsupport.NodeTools;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * kinesis-mock (npm {@code kinesis-local}) in a Node.js process on 127.0.0.1 and a free port, for tests, examples and
 * benchmarks. kinesis-mock hard-codes the listening address 0.0.0.0, so a copy of its {@code main.js} with 127.0.0.1
 * instead (and fan-out events pushed every 200 ms instead of every second) is run from a temporary folder (with
 * {@code server.json}, its TLS certificate, beside it). The process
 * is killed by {@link #close()} and, should the JVM end first, by a shutdown hook. A fresh clone has no
 * {@code node_modules}: the first start installs kinesis-mock from the lockfile with {@code npm ci}.
 */
public final class KinesisMockServer implements AutoCloseable {

    private static final String ANY_ADDRESS = "Host$().em(\"0.0.0.0\")";
    private static final String LOOPBACK = "Host$().em(\"127.0.0.1\")";
    /**
     * SubscribeToShard's event stream: kinesis-mock pushes an event every second ({@code 1.second} in its Scala
     * source, SECONDS being TimeUnit's {@code nz} there); Kinesis pushes records within about 70 ms of their arrival.
     * Every 200 ms ({@code Ir}, MILLISECONDS) is nearer to that and spares the fan-out tests most of their waiting.
     */
    private static final String PUSH_EVERY_SECOND =
            "var this$9 = new $c_s_concurrent_duration_package$DurationInt(1);\n"
            + "    var unit = $m_ju_concurrent_TimeUnit$().nz;";
    private static final String PUSH_EVERY_200_MS =
            "var this$9 = new $c_s_concurrent_duration_package$DurationInt(200);\n"
            + "    var unit = $m_ju_concurrent_TimeUnit$().Ir;";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    private static final int START_ATTEMPTS = 3;
    /** Resharding and stream creation take this long instead of 500 ms, so that tests need not wait. */
    private static final String OPERATION_DURATION = "50ms";

    private final Process process;
    private final Path workDir;
    private final Path log;
    private final URI endpoint;
    private final Thread shutdownHook;

    private KinesisMockServer(Process process, Path workDir, Path log, URI endpoint) {
        this.process = process;
        this.workDir = workDir;
        this.log = log;
        this.endpoint = endpoint;
        this.shutdownHook = new Thread(this::kill, "kinesis-mock-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts kinesis-mock (after installing it if needed) and returns once it answers HTTP. A port found free can be
     * taken by another process before node binds it (the machine is shared): then it starts again on other ports.
     */
    public static KinesisMockServer start() throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce();
            } catch (PortTaken e) {
                if (attempt == START_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** kinesis-mock exited because one of its ports was taken meanwhile. */
    private static final class PortTaken extends IllegalStateException {
        PortTaken(String message) {
            super(message);
        }
    }

    private static KinesisMockServer startOnce() throws IOException, InterruptedException {
        Path nodeProject = Path.of(System.getProperty("kinesis.mock.dir", "src/test/node"));
        Path packageDir = nodeProject.resolve("node_modules/kinesis-local");
        Path mainJs = packageDir.resolve("main.js");
        NodeTools.ensureInstalled(nodeProject, mainJs);
        Path nodeExecutable = NodeTools.node();
        String node = NodeTools.version(nodeExecutable);
        Path workDir = Files.createTempDirectory("kinesis-mock");
        Files.writeString(workDir.resolve("main.js"), fasterPushes(loopbackOnly(Files.readString(mainJs))));
        Files.copy(packageDir.resolve("server.json"), workDir.resolve("server.json"));
        int[] ports = FreePorts.distinct(2);
        int plainPort = ports[0];
        int tlsPort = ports[1];
        Path log = workDir.resolve("kinesis-mock.log");
        ProcessBuilder builder = new ProcessBuilder(nodeExecutable.toString(), "main.js").directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.put("KINESIS_MOCK_PLAIN_PORT", Integer.toString(plainPort));
        env.put("KINESIS_MOCK_TLS_PORT", Integer.toString(tlsPort));
        for (String operation : List.of("CREATE_STREAM", "DELETE_STREAM", "SPLIT_SHARD", "MERGE_SHARDS",
                "UPDATE_SHARD_COUNT", "UPDATE_STREAM_MODE", "REGISTER_STREAM_CONSUMER", "DEREGISTER_STREAM_CONSUMER",
                "START_STREAM_ENCRYPTION", "STOP_STREAM_ENCRYPTION")) {
            env.put(operation + "_DURATION", OPERATION_DURATION);
        }
        env.put("LOG_LEVEL", "WARN");
        env.put("ROOT_LOG_LEVEL", "WARN");
        env.put("SHARD_LIMIT", "200");
        KinesisMockServer server = new KinesisMockServer(builder.start(), workDir, log,
                URI.create("http://127.0.0.1:" + plainPort));
        try {
            server.awaitReady(node);
        } catch (IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /**
     * Null while kinesis-mock runs; once it has exited by itself, what it said: its exit code and the last lines of its
     * log. It has been seen to exit in the middle of a suite on a busy machine, its log then deleted with the server's
     * folder, leaving only the next tests' "connection refused".
     */
    public @Nullable String exited() throws IOException {
        return process.isAlive() ? null : "kinesis-mock exited with code " + process.exitValue() + ":\n" + logTail();
    }

    /** The plain-HTTP endpoint, for {@code endpointOverride}. */
    public URI endpoint() {
        return endpoint;
    }

    @Override
    public void close() {
        kill();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // The JVM is shutting down; the hook runs anyway.
        }
        deleteQuietly(workDir);
    }

    /** SIGTERM, then SIGKILL: the server holds nothing worth a graceful end, and it waits for idle connections. */
    private void kill() {
        process.destroy();
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static String loopbackOnly(String mainJs) {
        return replaceOnce(mainJs, ANY_ADDRESS, LOOPBACK, "to bind it to 127.0.0.1");
    }

    static String fasterPushes(String mainJs) {
        return replaceOnce(mainJs, PUSH_EVERY_SECOND, PUSH_EVERY_200_MS, "to push fan-out events every 200 ms");
    }

    private static String replaceOnce(String mainJs, String from, String to, String purpose) {
        int first = mainJs.indexOf(from);
        if (first < 0 || mainJs.indexOf(from, first + 1) >= 0) {
            throw new IllegalStateException("expected exactly one " + from + " in kinesis-mock's main.js "
                    + purpose + ", but found " + (first < 0 ? "none" : "several")
                    + "; was kinesis-local upgraded from 0.6.2?");
        }
        return mainJs.replace(from, to);
    }

    private void awaitReady(String node) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build()) {
            while (Instant.now().isBefore(deadline)) {
                if (!process.isAlive()) {
                    String message = "kinesis-mock (node " + node + ") exited with code " + process.exitValue()
                            + ":\n" + logTail();
                    throw message.contains("EADDRINUSE") ? new PortTaken(message) : new IllegalStateException(message);
                }
                try {
                    http.send(HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(1)).GET().build(),
                            HttpResponse.BodyHandlers.discarding());
                    return;
                } catch (IOException e) {
                    Thread.sleep(100);
                }
            }
        }
        throw new IllegalStateException("kinesis-mock did not answer on " + endpoint + " within " + STARTUP_TIMEOUT
                + ":\n" + logTail());
    }

    private String logTail() throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // A temporary folder left behind is harmless.
        }
    }
}
