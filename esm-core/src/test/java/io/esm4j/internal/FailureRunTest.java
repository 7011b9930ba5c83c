package io.esm4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

class FailureRunTest {

    @Test
    void warnsOnTheFirstFailureThenAtMostOncePerIntervalAndCountsWhatItLeftAtDebug() {
        AtomicLong now = new AtomicLong();
        FailureRun run = new FailureRun(now::get, Duration.ofMinutes(5));
        assertThat(run.failed()).isEqualTo(new FailureRun.Report(Level.WARN, 1, 0, true));
        for (int i = 2; i <= 10; i++) {
            now.addAndGet(Duration.ofSeconds(20).toNanos());
            assertThat(run.failed()).isEqualTo(new FailureRun.Report(Level.DEBUG, i, i - 1, false));
        }
        now.addAndGet(Duration.ofMinutes(2).toNanos());
        FailureRun.Report summary = run.failed();
        assertThat(summary).isEqualTo(new FailureRun.Report(Level.WARN, 11, 9, false));
        assertThat(summary.summary()).isTrue();
        assertThat(run.failed().level()).isEqualTo(Level.DEBUG);
        assertThat(run.succeeded()).isEqualTo(12);
        assertThat(run.succeeded()).isZero();
        // A new run starts with a WARN again, whenever it comes.
        assertThat(run.failed()).isEqualTo(new FailureRun.Report(Level.WARN, 1, 0, true));
    }
}
