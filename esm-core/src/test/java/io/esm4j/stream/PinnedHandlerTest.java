package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.settings.HandlerThreads;
import io.esm4j.testing.InMemoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Why HandlerThreads exists: a handler that blocks while pinned to its carrier (here inside a class initializer, which
 * pins on every Java; on Java 21–23 {@code synchronized} does too) holds the only carrier of a JVM whose virtual
 * thread scheduler has one, as a machine with few cores has few. Shard A's handler waits, inside a static
 * initializer, for shard B's handler to run; B's record is put only then, so B's reader, a virtual thread, needs a
 * carrier to read it. On virtual handler threads nothing else runs: the mapping is stuck. On platform handler threads
 * A's wait holds no carrier and both shards are handled. Each case runs in a child JVM, whose scheduler the test can
 * size and whose stuck threads end with it.
 */
class PinnedHandlerTest {

    /** Only a bound for a broken child: the cases take seconds. */
    private static final Duration CHILD_DEADLINE = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // Stuck whatever the wait: B's handler cannot run while A's holds the only carrier.
            "VIRTUAL, PT5S, RESULT stuck: shard B's handler did not run while shard A's blocked",
            // The wait only bounds a broken run.
            "PLATFORM, PT60S, RESULT both shards handled"})
    void aHandlerPinnedInAClassInitializerBlocksOthersOnlyOnVirtualThreads(HandlerThreads kind, Duration patience,
                                                                           String expected) throws Exception {
        Path output = dir.resolve("child.log");
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(List.of("-Djdk.virtualThreadScheduler.parallelism=1",
                "-Djdk.virtualThreadScheduler.maxPoolSize=1", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), Child.class.getName(), kind.name(), patience.toString()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            boolean exited = child.waitFor(CHILD_DEADLINE.toSeconds(), TimeUnit.SECONDS);
            String log = Files.readString(output);
            assertThat(exited).as("child exited within %s; its output:%n%s", CHILD_DEADLINE, log).isTrue();
            assertThat(child.exitValue()).as("child's exit code; its output:%n%s", log).isZero();
            assertThat(log.lines()).as("child's output").contains(expected);
        } finally {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The child JVM: {@code main(handlerThreads, patience)} prints one RESULT line and halts. */
    static final class Child {

        private static final CountDownLatch SHARD_B_HANDLED = new CountDownLatch(1);
        private static volatile InMemoryStream stream;
        private static volatile String keyB;

        private Child() {}

        /** Initialized by shard A's handler, which waits inside the initializer, pinned, until B's handler ran. */
        static final class Blocker {
            static {
                stream.put(keyB, "b");
                try {
                    SHARD_B_HANDLED.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            static void touch() {}
        }

        public static void main(String[] args) throws Exception {
            HandlerThreads kind = HandlerThreads.valueOf(args[0]);
            Duration patience = Duration.parse(args[1]);
            stream = InMemoryStream.create("pinned", 2);
            String shardA = stream.openShardIds().get(0);
            keyB = Streams.keyOn(stream, stream.openShardIds().get(1), 0);
            CompletableFuture<Void> shardAHandled = new CompletableFuture<>();
            EventSourceMapping<byte[]> mapping = EventSourceMapping.<byte[]>builder("pinned", stream, batch -> {
                if (batch.records().getFirst().shardId().equals(shardA)) {
                    Blocker.touch();
                    shardAHandled.complete(null);
                } else {
                    SHARD_B_HANDLED.countDown();
                }
                return BatchResult.success();
            }).settings(Streams.fast().handlerThreads(kind).build()).build();
            stream.put(Streams.keyOn(stream, shardA, 0), "a");
            mapping.start();
            String result;
            try {
                // On the main thread, a platform thread: the wait needs no carrier.
                shardAHandled.get(patience.toMillis(), TimeUnit.MILLISECONDS);
                result = "RESULT both shards handled";
            } catch (TimeoutException e) {
                result = "RESULT stuck: shard B's handler did not run while shard A's blocked";
            }
            System.out.println(result);
            System.out.flush();
            // Not stop(): a stuck mapping's threads never end, and nothing here needs to be kept.
            Runtime.getRuntime().halt(0);
        }
    }
}
