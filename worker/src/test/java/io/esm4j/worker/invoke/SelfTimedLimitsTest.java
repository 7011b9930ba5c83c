package io.esm4j.worker.invoke;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.FunctionNotInvokedException;
import io.esm4j.settings.HandlerThreads;
import io.esm4j.worker.config.FunctionSpec;
import io.esm4j.worker.config.FunctionSpec.Kind;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * An HTTP target ends its own calls within the function's Timeout and says how they ended; on a busy machine that
 * outcome comes a little after the Timeout (its clock starts after the limits' and its thread may wait for a core).
 * The limits a mapping gets for it wait for that outcome, so a target never reached stays not invoked instead of
 * becoming a timed-out function (UnreachableTargetTest failed on it now and then). A Java handler's Timeout is the
 * limits' alone.
 */
class SelfTimedLimitsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    /** How late the stand-in target reports: well past the Timeout, well within the grace. */
    private static final Duration LATE = Duration.ofMillis(400);

    @Test
    void anHttpTargetsOwnOutcomeThatComesJustAfterTheTimeoutIsKept() {
        String url = "http://127.0.0.1:9/fn";
        TargetLimits limits = new Targets(null, "us-east-1").limits(new FunctionSpec(url, Kind.URL, url, null,
                TIMEOUT, 1, HandlerThreads.VIRTUAL));

        assertThatThrownBy(() -> limits.wrap(reportsNotReachedLate()).handle(batch()))
                .isInstanceOf(FunctionNotInvokedException.class).hasMessageContaining("could not be reached");
    }

    @Test
    void aJavaHandlerIsCutAtItsTimeout() {
        TargetLimits limits = new Targets(null, "us-east-1").limits(new FunctionSpec("slow", Kind.JAVA,
                "com.example.Slow", null, TIMEOUT, 1, HandlerThreads.VIRTUAL));

        assertThatThrownBy(() -> limits.wrap(reportsNotReachedLate()).handle(batch()))
                .isInstanceOf(TimeoutException.class).hasMessageContaining("Timeout of 1 s");
    }

    /** A target whose attempts ended unconnected, reporting so {@link #LATE} after the Timeout. */
    private static BatchHandler<String> reportsNotReachedLate() {
        return batch -> {
            Thread.sleep(TIMEOUT.plus(LATE));
            throw new FunctionNotInvokedException("http://127.0.0.1:9/fn could not be reached within the function's"
                    + " Timeout (HttpConnectTimeoutException: HTTP connect timed out)");
        };
    }

    private static Batch<String> batch() {
        return new Batch<>(List.of("r"), "p", "arn:aws:sqs:us-east-1:0:q", 1);
    }
}
