package io.esm4j.worker;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A worker in a process of its own, started with the test's class path, as a user starts the jar. */
final class WorkerProcess implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("esm4j worker listening on (http://\\S+)");

    private final Process process;
    private final Path log;
    private URI url;

    private WorkerProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts {@code Main} with the arguments and waits until it prints where it listens. */
    static WorkerProcess start(Path directory, Path handledFile, String... args) throws IOException {
        return start(directory, List.of("-Desm4j.test.handled=" + handledFile), args);
    }

    /** Starts {@code Main} with the arguments. */
    static WorkerProcess launch(Path directory, Path handledFile, String... args) throws IOException {
        return launch(directory, List.of("-Desm4j.test.handled=" + handledFile), args);
    }

    /** Starts {@code Main} with the JVM options and arguments and waits until it prints where it listens. */
    static WorkerProcess start(Path directory, List<String> jvmOptions, String... args) throws IOException {
        WorkerProcess worker = launch(directory, jvmOptions, args);
        await().atMost(Duration.ofSeconds(120)).until(() -> worker.listening() || !worker.process.isAlive());
        if (worker.url == null) {
            throw new IllegalStateException("the worker did not start:\n" + worker.output());
        }
        return worker;
    }

    /** Starts {@code Main} with the JVM options and arguments. */
    static WorkerProcess launch(Path directory, List<String> jvmOptions, String... args) throws IOException {
        Files.createDirectories(directory);
        Path log = Files.createTempFile(directory, "worker-", ".log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("AWS_ACCESS_KEY_ID", "x");
        builder.environment().put("AWS_SECRET_ACCESS_KEY", "x");
        builder.environment().put("AWS_REGION", "us-east-1");
        return new WorkerProcess(builder.start(), log);
    }

    /** Waits for the process to end by itself; returns the exit status. */
    int waitForExit() throws InterruptedException {
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the process did not end within 180 s");
        }
        return process.exitValue();
    }

    private boolean listening() throws IOException {
        Matcher matcher = LISTENING.matcher(Files.readString(log));
        if (matcher.find()) {
            url = URI.create(matcher.group(1));
            return true;
        }
        return false;
    }

    URI url() {
        return url;
    }

    String output() throws IOException {
        return Files.readString(log);
    }

    /**
     * The process's output so far, to add to a test failure ({@link Throwable#addSuppressed}): the log file lives in
     * the test's directory, which is deleted after the test.
     */
    Exception outputAsFailure(String name) {
        String output;
        try {
            output = output();
        } catch (IOException e) {
            output = "(the log " + log + " could not be read: " + e + ")";
        }
        return new WorkerOutput("output of " + name + ":\n" + output);
    }

    /** Carries a worker's output; no stack trace, which would only point here. */
    private static final class WorkerOutput extends Exception {
        WorkerOutput(String message) {
            super(message, null, false, false);
        }
    }

    /** SIGTERM; returns the exit status. */
    int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the worker did not exit within 120 s of SIGTERM");
        }
        return process.exitValue();
    }

    /** SIGKILL, as a crash. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(60, TimeUnit.SECONDS);
    }

    /** Kills the process if it still runs. */
    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                kill();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
