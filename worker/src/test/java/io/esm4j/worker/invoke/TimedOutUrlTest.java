package io.esm4j.worker.invoke;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.settings.HandlerThreads;
import io.esm4j.worker.config.FunctionSpec;
import io.esm4j.worker.config.FunctionSpec.Kind;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A URL given as the mapping's FunctionName is the function's name too, and may hold a password or a token: a
 * timed-out invocation's error (which the engine logs) and the invocation's thread (which every log line names) show
 * it as {@code scheme://host:port/path}, with {@code ...@} and {@code ?...} where user info and a query were.
 */
class TimedOutUrlTest {

    @Test
    void aTimedOutUrlFunctionIsNamedWithoutItsUserInfoOrQuery() {
        String url = "http://alice:pa55word@127.0.0.1:9/fn?token=s3cr3t";
        TargetLimits limits = new Targets(null, "us-east-1").limits(new FunctionSpec(url, Kind.URL, url, null,
                Duration.ofSeconds(1), 1, HandlerThreads.VIRTUAL));
        AtomicReference<String> thread = new AtomicReference<>();
        BatchHandler<String> handler = limits.wrap(batch -> {
            thread.set(Thread.currentThread().getName());
            Thread.sleep(Duration.ofMinutes(5));
            return BatchResult.success();
        });

        assertThatThrownBy(() -> handler.handle(new Batch<>(List.of("r"), "p", "arn:aws:sqs:us-east-1:0:q", 1)))
                .isInstanceOf(TimeoutException.class)
                .hasMessageContaining("http://...@127.0.0.1:9/fn?...")
                .hasMessageNotContaining("pa55word").hasMessageNotContaining("s3cr3t");
        assertThat(thread.get()).doesNotContain("pa55word").doesNotContain("s3cr3t");
    }
}
