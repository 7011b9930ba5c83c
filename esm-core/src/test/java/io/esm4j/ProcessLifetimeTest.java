package io.esm4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.handler.BatchResult;
import io.esm4j.queue.QueueMessage;
import io.esm4j.settings.QueueSettings;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.SqsLikeMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A started mapping keeps the JVM alive until it has stopped. A child JVM's {@code main} starts a stream mapping and a
 * queue mapping and returns; its mappings go on and handle every record, a daemon thread stops them once they have,
 * and the JVM then exits by itself, status 0. Every esm4j thread is a daemon but the mappings' keep-alive thread: were
 * the JVM left to its threads, it would exit as {@code main} returns, having handled nothing.
 */
class ProcessLifetimeTest {

    /** Only a bound for a broken child: the run takes seconds. */
    private static final Duration CHILD_DEADLINE = Duration.ofSeconds(120);
    private static final int RECORDS = 20;
    private static final int MESSAGES = 20;

    @TempDir
    Path dir;

    @Test
    void aMainThatStartsMappingsAndReturnsLeavesThemRunningUntilTheyAreStoppedThenTheJvmExits() throws Exception {
        Path output = dir.resolve("child.log");
        List<String> command = List.of(ProcessHandle.current().info().command().orElseThrow(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Child.class.getName());
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            boolean exited = child.waitFor(CHILD_DEADLINE.toSeconds(), TimeUnit.SECONDS);
            String log = Files.readString(output);
            assertThat(exited).as("child exited within %s once its mappings stopped; its output:%n%s",
                    CHILD_DEADLINE, log).isTrue();
            assertThat(log.lines()).as("child's output")
                    .contains("EXIT stream: " + RECORDS + " records handled, DISABLED; queue: " + MESSAGES
                            + " messages handled, DISABLED");
            assertThat(child.exitValue()).as("child's exit code; its output:%n%s", log).isZero();
        } finally {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * The child JVM: a standalone app's {@code main}. What it handled and the mappings' states are printed by a
     * shutdown hook, as the JVM exits.
     */
    static final class Child {

        private Child() {}

        public static void main(String[] args) {
            InMemoryStream stream = InMemoryStream.create("lifetime", 2);
            for (int i = 0; i < RECORDS; i++) {
                stream.put("key-" + i, "record-" + i);
            }
            InMemoryQueue queue = InMemoryQueue.standard("lifetime").build();
            for (int i = 0; i < MESSAGES; i++) {
                queue.send("message-" + i);
            }
            Set<String> records = ConcurrentHashMap.newKeySet();
            Set<String> messages = ConcurrentHashMap.newKeySet();
            CountDownLatch allHandled = new CountDownLatch(RECORDS + MESSAGES);

            EventSourceMapping<byte[]> streamMapping = EventSourceMapping.<byte[]>builder("lifetime", stream,
                    batch -> {
                        for (StreamRecord<byte[]> record : batch.records()) {
                            if (records.add(new String(record.payload(), StandardCharsets.UTF_8))) {
                                allHandled.countDown();
                            }
                        }
                        return BatchResult.success();
                    }).settings(StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON)
                    .shardSyncInterval(Duration.ofMillis(100)).build()).build();
            QueueEventSourceMapping<SqsLikeMessage> queueMapping = QueueEventSourceMapping.<SqsLikeMessage>builder(
                    "lifetime", queue, batch -> {
                        for (QueueMessage<SqsLikeMessage> message : batch.records()) {
                            if (messages.add(message.payload().body())) {
                                allHandled.countDown();
                            }
                        }
                        return BatchResult.success();
                    }).settings(QueueSettings.builder().receiveWaitTime(Duration.ofMillis(100)).build()).build();

            Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("EXIT stream: " + records.size()
                    + " records handled, " + streamMapping.state() + "; queue: " + messages.size()
                    + " messages handled, " + queueMapping.state())));
            // Not a handler: a handler that stops its own mapping waits for itself. A virtual thread, a daemon: only
            // the mappings may keep this JVM alive.
            Thread.ofVirtual().name("stopper").start(() -> {
                try {
                    allHandled.await();
                    streamMapping.stop(Duration.ofSeconds(30));
                    queueMapping.stop(Duration.ofSeconds(30));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            streamMapping.start();
            queueMapping.start();
        }
    }
}
