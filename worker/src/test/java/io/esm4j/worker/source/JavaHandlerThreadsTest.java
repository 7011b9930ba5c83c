package io.esm4j.worker.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.KinesisEvent;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchResult;
import io.esm4j.kinesis.KinesisRecord;
import io.esm4j.stream.StreamRecord;
import io.esm4j.worker.config.FunctionSpec;
import io.esm4j.worker.config.WorkerFile;
import io.esm4j.worker.invoke.Targets;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A Java handler that blocks pinned to its carrier is given platform threads by its function's
 * {@code HandlerThreads} in the mappings file, on the way a mapping's batches take: the worker calls it on a thread of
 * its own for the function's Timeout, not on the engine's lane, so the engine's setting of that name cannot.
 */
class JavaHandlerThreadsTest {

    private static final String KINESIS = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks";
    private static final Instant CREATED = Instant.parse("2026-12-05T10:00:03Z");
    /** The thread the last invocation ran on; the worker makes the handler's instance itself. */
    private static final AtomicReference<Thread> RAN_ON = new AtomicReference<>();

    public static final class ThreadRecordingHandler implements RequestHandler<KinesisEvent, Void> {
        @Override
        public Void handleRequest(KinesisEvent event, Context context) {
            RAN_ON.set(Thread.currentThread());
            return null;
        }
    }

    @Test
    void platformRunsTheHandlerOnAPlatformThreadAndTheDefaultOnAVirtualOne() throws Exception {
        WorkerFile file = WorkerFile.parse("""
                Functions:
                  pinned: {Handler: %1$s, HandlerThreads: PLATFORM}
                  plain: {Handler: %1$s}
                """.formatted(ThreadRecordingHandler.class.getName()), true);
        Targets targets = new Targets(null, "us-east-1");

        Thread pinned = ranOn(targets, file.functions().resolve("pinned"));
        Thread plain = ranOn(targets, file.functions().resolve("plain"));

        assertThat(pinned.isVirtual()).isFalse();
        assertThat(pinned.getName()).isEqualTo("invoke-pinned");
        assertThat(plain.isVirtual()).isTrue();
        assertThat(plain.getName()).isEqualTo("invoke-plain");
    }

    private static Thread ranOn(Targets targets, FunctionSpec function) throws Exception {
        RAN_ON.set(null);
        MappingTarget target = new MappingTarget(targets.invoker(function), targets.limits(function), "arn:fn");
        KinesisRecord record = KinesisRecord.of("shardId-000000000001", KinesisRecord.Kinesis.of("pk", "4959",
                "{}".getBytes(StandardCharsets.UTF_8), CREATED, null), "arn:aws:iam::123456789012:role/r",
                "us-east-1", KINESIS);
        // As StreamSourceFactory builds a mapping's handler: the Java handler's adapter within the function's limits.
        BatchResult result = target.limited(new KinesisSourceFactory().handler(target)).handle(new Batch<>(List.of(
                new StreamRecord<>("shardId-000000000001", "4959", "pk", CREATED, 7, record)), "shardId-000000000001",
                KINESIS, 1));
        assertThat(result).isInstanceOf(BatchResult.Success.class);
        assertThat(RAN_ON.get()).as("the handler ran").isNotNull();
        return RAN_ON.get();
    }
}
