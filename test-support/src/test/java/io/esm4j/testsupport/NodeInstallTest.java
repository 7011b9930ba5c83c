package io.esm4j.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two test JVMs installing the same npm folder at once (surefire's forkCount), with a stand-in {@code npm} that notes
 * each run: one runs {@code npm ci}, the other waits for it and finds the packages installed.
 */
@DisabledOnOs(OS.WINDOWS)
class NodeInstallTest {

    /**
     * Notes its run, waits (at most 10 s) until the other JVM is about to install too, then installs the marker. So
     * without the lock the other JVM finds no marker and runs npm a second time.
     */
    private static final String NPM = """
            #!/bin/sh
            echo run >> runs
            i=0
            while [ ! -f other-installing ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
            sleep 0.5
            mkdir -p node_modules/p && echo installed > node_modules/p/main.js
            """;

    @TempDir
    Path dir;

    @Test
    void twoJvmsInstallingOneFolderAtOnceRunNpmOnce() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        executable(bin.resolve("node"), "#!/bin/sh\n");
        executable(bin.resolve("npm"), NPM);
        Path packageDir = Files.createDirectories(dir.resolve("package"));
        Path marker = packageDir.resolve("node_modules/p/main.js");
        NodeTools.Found tools = NodeTools.find(bin.toString(), "Linux");

        CompletableFuture<Void> here = CompletableFuture.runAsync(() -> {
            try {
                NodeTools.ensureInstalled(packageDir, marker, tools);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Path runs = packageDir.resolve("runs");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(runs) && !here.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(runs).as("npm started here").exists();
        Path output = dir.resolve("other.log");
        Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), OtherJvm.class.getName(), packageDir.toString(),
                marker.toString(), bin.toString()).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            assertThat(other.waitFor(60, TimeUnit.SECONDS)).as("the other JVM ended").isTrue();
        } finally {
            other.destroyForcibly();
        }
        here.get(60, TimeUnit.SECONDS);

        assertThat(other.exitValue()).as(Files.readString(output)).isZero();
        assertThat(Files.readString(marker)).isEqualTo("installed\n");
        assertThat(Files.readAllLines(runs)).as("npm ci runs").isEqualTo(List.of("run"));
    }

    @AfterEach
    void deleteLockFile() throws IOException {
        // The temporary folder's lock file, outside the folder: no other test uses it.
        Files.deleteIfExists(NodeTools.installLock(dir.resolve("package")));
    }

    private static void executable(Path file, String content) throws IOException {
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** The other test JVM: says it is about to install, then installs the folder as a server's start does. */
    static final class OtherJvm {
        public static void main(String[] args) throws Exception {
            Path packageDir = Path.of(args[0]);
            Files.writeString(packageDir.resolve("other-installing"), "");
            NodeTools.ensureInstalled(packageDir, Path.of(args[1]), NodeTools.find(args[2], "Linux"));
        }
    }
}
