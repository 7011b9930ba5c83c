package io.esm4j.modulepath;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link App} launched as a user launches a program on the module path ({@code java -m}), with this test's own
 * module path and class path: in its own JVM, whose boot layer holds only what the modules require, unlike this one
 * (a test runner on the class path resolves every system module). It runs a stream mapping (bisection, a failure
 * record written as JSON, JSON-pointer idempotency) and a queue mapping (partial failures, redrive) on the in-memory
 * sources, and calls SQS, DynamoDB and Redis at a closed loopback port, sends the failure record to SQS, SNS and S3 destinations
 * there, makes a Kafka producer and starts and stops a Kafka
 * mapping (its consumer and poll thread; ENABLING until it reaches the brokers) there.
 */
class AppLaunchTest {

    @TempDir
    Path directory;

    @Test
    void theProgramRunsEveryCheckOnTheModulePath() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        Path output = directory.resolve("app.out");
        Process app = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path", System.getProperty("jdk.module.path"),
                "--class-path", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=error",
                "-m", "io.esm4j.modulepath/io.esm4j.modulepath.App", "http://127.0.0.1:" + closedPort))
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        boolean ended = app.waitFor(120, TimeUnit.SECONDS);
        if (!ended) {
            app.destroyForcibly();
        }
        String printed = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(ended).as("the program ended; it printed:%n%s", printed).isTrue();
        assertThat(app.exitValue()).as("exit code; it printed:%n%s", printed).isZero();

        assertThat(lines(printed)).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                Map.entry("module", "io.esm4j.modulepath in the boot layer: true"),
                Map.entry("stream.handled", "8"),
                Map.entry("stream.failure", "RetryAttemptsExhausted"),
                Map.entry("stream.failure.batchSize", "1"),
                Map.entry("queue.deadLetters", "[malformed]"),
                Map.entry("queue.left", "0"),
                Map.entry("sqs", "java.net.ConnectException"),
                Map.entry("dynamodb", "java.net.ConnectException"),
                Map.entry("dynamodb.keys", "java.net.ConnectException"),
                Map.entry("destination.sqs", "java.net.ConnectException"),
                Map.entry("destination.sns", "java.net.ConnectException"),
                Map.entry("destination.s3", "java.net.ConnectException"),
                Map.entry("kafka", "io.esm4j.kafka"),
                Map.entry("kafka.mapping", "ENABLING"),
                Map.entry("redis", "java.net.ConnectException")));
    }

    private static Map<String, String> lines(String printed) {
        Map<String, String> values = new LinkedHashMap<>();
        printed.lines().filter(line -> line.matches("[a-zA-Z0-9.]+=.*")).forEach(line ->
                values.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1)));
        return values;
    }
}
