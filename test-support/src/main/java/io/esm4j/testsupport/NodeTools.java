package io.esm4j.testsupport;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Node.js for the tests that run a server from npm (kinesis-mock): finds {@code node} and {@code npm} on the PATH
 * and installs a folder's locked packages with {@code npm ci}.
 */
public final class NodeTools {

    /** What the PATH holds: both executables, or what is missing. */
    public record Found(@Nullable Path node, @Nullable Path npm) {
        public boolean complete() {
            return node != null && npm != null;
        }

        public String missing() {
            List<String> missing = new ArrayList<>();
            if (node == null) {
                missing.add("node");
            }
            if (npm == null) {
                missing.add("npm");
            }
            return String.join(" and ", missing);
        }
    }

    private NodeTools() {}

    /** {@code node} and {@code npm} on the PATH of this process. */
    public static Found onPath() {
        return find(System.getenv("PATH"), System.getProperty("os.name"));
    }

    /** {@code node} and {@code npm} on this PATH. */
    public static Found find(@Nullable String path, @Nullable String osName) {
        boolean windows = osName != null && osName.toLowerCase(Locale.ROOT).startsWith("windows");
        return new Found(executable(path, windows ? List.of("node.exe") : List.of("node")),
                executable(path, windows ? List.of("npm.cmd", "npm.exe") : List.of("npm")));
    }

    private static @Nullable Path executable(@Nullable String path, List<String> names) {
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isBlank()) {
                continue;
            }
            for (String name : names) {
                Path candidate = Path.of(dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        return null;
    }

    /** The path of {@code node}, or an exception that says how to get it. */
    public static Path node() {
        Found found = onPath();
        if (found.node() == null) {
            throw new IllegalStateException("Node.js is needed here (a server from npm runs on it) but `node` is not "
                    + "on the PATH; install Node.js 20 or newer with npm");
        }
        return found.node();
    }

    /** {@code node --version}, e.g. {@code v20.20.2}. */
    public static String version(Path node) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(node.toString(), "--version").redirectErrorStream(true).start();
        String version = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        process.waitFor();
        return version;
    }

    /**
     * Runs {@code npm ci} in {@code packageDir} (which holds package.json and package-lock.json) unless
     * {@code installedMarker}, a file of the installed packages, already exists. npm's output goes to a temporary log
     * file, whose tail is the message of the exception if npm fails. Test JVMs side by side (surefire's
     * {@code forkCount}) may come here at once for the same folder: they take turns on a file lock, so that one
     * installs and the others then find the marker, instead of two {@code npm ci} replacing each other's
     * {@code node_modules}.
     */
    public static void ensureInstalled(Path packageDir, Path installedMarker) throws IOException, InterruptedException {
        ensureInstalled(packageDir, installedMarker, onPath());
    }

    /** {@link #ensureInstalled(Path, Path)} with these {@code node} and {@code npm}. */
    static synchronized void ensureInstalled(Path packageDir, Path installedMarker, Found found)
            throws IOException, InterruptedException {
        // The marker is looked at under the lock only: another JVM's npm may have written it but not finished yet.
        try (FileChannel lockFile = FileChannel.open(installLock(packageDir), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            lockFile.lock(); // released as the channel closes
            if (!Files.exists(installedMarker)) {
                install(packageDir, installedMarker, found);
            }
        }
    }

    /**
     * The lock file of a folder's install, in the temporary directory rather than in the folder, which is part of the
     * source tree; named after the user too, whose JVMs alone share it.
     */
    static Path installLock(Path packageDir) {
        String folder = packageDir.toAbsolutePath().normalize().toString();
        return Path.of(System.getProperty("java.io.tmpdir"), "esm4j-npm-ci-" + System.getProperty("user.name") + "-"
                + Integer.toHexString(folder.hashCode()) + ".lock");
    }

    private static void install(Path packageDir, Path installedMarker, Found found)
            throws IOException, InterruptedException {
        Path node = found.node();
        Path npmExecutable = found.npm();
        if (node == null || npmExecutable == null) {
            throw new IllegalStateException(installedMarker + " is missing and cannot be installed: " + found.missing()
                    + " not on the PATH; install Node.js 20 or newer with npm, or run `npm ci` in " + packageDir);
        }
        Path log = Files.createTempFile("npm-ci", ".log");
        ProcessBuilder builder = new ProcessBuilder(npmExecutable.toString(), "ci", "--no-audit", "--no-fund")
                .directory(packageDir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        // npm runs `node` by name from its script: make sure it is the one found.
        Map<String, String> env = builder.environment();
        env.put("PATH", node.getParent() + File.pathSeparator + env.getOrDefault("PATH", ""));
        Process npm = builder.start();
        if (!npm.waitFor(10, TimeUnit.MINUTES)) {
            npm.destroyForcibly();
            throw new IllegalStateException("npm ci in " + packageDir + " did not end within 10 minutes; log: " + log);
        }
        if (npm.exitValue() != 0 || !Files.exists(installedMarker)) {
            List<String> lines = Files.readAllLines(log);
            throw new IllegalStateException("npm ci in " + packageDir + " failed (exit " + npm.exitValue() + "):\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
        }
        Files.deleteIfExists(log);
    }
}
