package io.esm4j.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * dynalite (npm {@code dynalite} 4.0.0, Apache-2.0: the DynamoDB API on an in-memory LevelDB) in a Node.js process on
 * 127.0.0.1 and a free port, for tests and benchmarks that need a real DynamoDB API server (DynamoDB Local is not open
 * source). dynalite's {@code --port} cannot take 0, so {@code dynalite-server.js} (in {@code test-support/node/dynalite},
 * beside {@code package.json} and its lockfile) listens on port 0 through dynalite's API with table operations that take
 * no time, prints the port as its first line, and exits when its standard input closes; this class reads that port and
 * closes standard input to stop it. The first start installs dynalite there with {@code npm ci}, once for every module.
 *
 * <p>It also ends when this JVM does, however that ends: the JVM's end closes the pipe. It is therefore not stopped by
 * a shutdown hook of its own, and where {@code setsid} exists it runs in a session of its own, out of reach of a
 * terminal's Ctrl-C: both would end it while a worker that is shutting down still releases its leases in it.
 *
 * <p>What dynalite does not do, so that tests do not count on it: {@code ReturnValuesOnConditionCheckFailure} is
 * accepted but returns no item, TransactWriteItems, UpdateTimeToLive (items never expire), and adding a global
 * secondary index with UpdateTable.
 */
public final class Dynalite implements AutoCloseable {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    private static final String DIR_PROPERTY = "dynalite.dir";
    private static final String DEFAULT_DIR = "test-support/node/dynalite";
    /** util-linux's: runs the command in a new session, in this process (a child of the JVM is no group leader). */
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private final Process process;
    private final URI endpoint;
    private final Path log;

    private Dynalite(Process process, URI endpoint, Path log) {
        this.process = process;
        this.endpoint = endpoint;
        this.log = log;
    }

    /**
     * Starts dynalite from the folder in the system property {@code dynalite.dir} (the modules' surefire
     * configuration sets it), or else from {@code test-support/node/dynalite} in the working directory or above it
     * (a test run from an IDE).
     */
    public static Dynalite start() throws IOException, InterruptedException {
        return start(nodeProject());
    }

    static Path nodeProject() {
        String configured = System.getProperty(DIR_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(DEFAULT_DIR);
            if (Files.isRegularFile(candidate.resolve("dynalite-server.js"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("dynalite's node folder was not found: the system property " + DIR_PROPERTY
                + " is not set and no " + DEFAULT_DIR + " exists in " + Path.of("").toAbsolutePath()
                + " or a folder above it. Expected -D" + DIR_PROPERTY + "=<repo>/" + DEFAULT_DIR + ".");
    }

    /** Starts dynalite from this folder (package.json, package-lock.json, dynalite-server.js). */
    public static Dynalite start(Path nodeProject) throws IOException, InterruptedException {
        NodeTools.ensureInstalled(nodeProject, nodeProject.resolve("node_modules/dynalite/package.json"));
        Path log = Files.createTempFile("dynalite", ".log");
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            command.add(SETSID.toString());
        }
        command.addAll(List.of(NodeTools.node().toString(), "dynalite-server.js"));
        Process process = new ProcessBuilder(command).directory(nodeProject.toFile()).redirectError(log.toFile())
                .start();
        CompletableFuture<String> firstLine = CompletableFuture.supplyAsync(() -> readFirstLine(process));
        String port;
        try {
            port = firstLine.get(STARTUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            throw new IllegalStateException("dynalite did not print its port within " + STARTUP_TIMEOUT + ":\n"
                    + tail(log), e);
        }
        if (port == null || !port.strip().matches("\\d{1,5}")) {
            process.destroyForcibly();
            throw new IllegalStateException("dynalite printed " + port + " instead of its port:\n" + tail(log));
        }
        return new Dynalite(process, URI.create("http://127.0.0.1:" + port.strip()), log);
    }

    /** The HTTP endpoint, for {@code endpointOverride}. */
    public URI endpoint() {
        return endpoint;
    }

    /** The process id, for tests that end it from outside. */
    long pid() {
        return process.pid();
    }

    /**
     * Whether the process still runs. dynalite has no reason to end before {@link #close()}; when it has (a crash, out
     * of memory, a signal from outside), {@link #ended()} says how.
     */
    public boolean running() {
        return process.isAlive();
    }

    /**
     * How the process ended, for an error message: its exit code (128 + N for signal N), where its log is and the
     * log's last lines. The log is then kept past {@link #close()}.
     */
    public String ended() {
        if (process.isAlive()) {
            throw new IllegalStateException("dynalite (pid " + process.pid() + ", " + endpoint + ") is still running");
        }
        return "dynalite (pid " + process.pid() + ", " + endpoint + ") ended with exit code " + process.exitValue()
                + "; its log " + log + " ends with:\n" + tail(log);
    }

    /**
     * Closes dynalite's standard input, which ends it; kills it if it has not ended 5 s later. The log is deleted,
     * unless the process had ended on its own before: then it is kept for the diagnosis.
     */
    @Override
    public void close() {
        boolean endedOnItsOwn = !process.isAlive();
        stop();
        if (endedOnItsOwn) {
            return;
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException e) {
            // A temporary log left behind is harmless.
        }
    }

    private void stop() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** The first line of the child's stdout; the rest is drained on a daemon thread so the child never blocks. */
    private static String readFirstLine(Process process) {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        try {
            String line = out.readLine();
            Thread drain = new Thread(() -> {
                try {
                    while (out.readLine() != null) {
                        // dynalite prints nothing after the port; discard whatever comes.
                    }
                } catch (IOException e) {
                    // The process ended.
                }
            }, "dynalite-stdout");
            drain.setDaemon(true);
            drain.start();
            return line;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
