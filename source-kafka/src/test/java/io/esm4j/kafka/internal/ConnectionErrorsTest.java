package io.esm4j.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.MappingState;
import io.esm4j.handler.BatchResult;
import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.stream.StreamContext;
import io.esm4j.kafka.KafkaRecord;
import io.esm4j.kafka.KafkaSource;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.StartingPosition;
import io.esm4j.testsupport.LogCapture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * When a cluster counts as out of reach, on a consumer whose network counters the test sets and a clock it moves: the
 * problem shows after a silence of request.timeout.ms and a probe nobody answered, is counted and logged once per
 * silence (not per check), and goes at the first answer, with one INFO line.
 */
class ConnectionErrorsTest {

    private static final Duration SILENCE = Duration.ofSeconds(30);
    private static final String PROBLEM = "PROBLEM: Connection error. No broker answered the mapping for 30 s; "
            + "bootstrap servers: 127.0.0.1:9.";

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final StreamContext<KafkaRecord> ctx = LoopHarness.context(
            KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON).build(),
            batch -> BatchResult.success(), registry);
    private final AtomicLong now = new AtomicLong();
    private final CountingConsumer consumer = new CountingConsumer();
    private final ConnectionErrors errors = new ConnectionErrors(ctx, consumer, "127.0.0.1:9", SILENCE, now::get);

    /** Started, as the engine's start() leaves it: a running mapping's reason shows its open problems. */
    @BeforeEach
    void enabling() {
        ctx.status().advance(MappingState.CREATING, MappingState.ENABLING, MappingStatus.USER_ACTION);
    }

    @Test
    void aSilenceThatOutlastsRequestTimeoutAndAnUnansweredProbeShowsCountsAndLogsOncePerSilence() {
        try (LogCapture log = new LogCapture(ConnectionErrors.class)) {
            errors.check();
            elapse(SILENCE.minusMillis(1));
            errors.check();
            assertThat(consumer.probes.get()).isZero();

            elapse(Duration.ofMillis(1));
            errors.check();
            assertThat(consumer.probes.get()).isEqualTo(1);
            assertThat(ctx.status().stateTransitionReason()).isEqualTo(PROBLEM);
            assertThat(ctx.status().lastProcessingResult()).isEqualTo(PROBLEM);
            assertThat(pollingErrors()).isEqualTo(1);
            for (int i = 0; i < 100; i++) {
                errors.check();
            }
            assertThat(pollingErrors()).isEqualTo(1);

            elapse(SILENCE);
            errors.check();
            assertThat(pollingErrors()).isEqualTo(2);
            assertThat(consumer.probes.get()).as("no probe while the problem shows").isEqualTo(1);
            // A batch that ran meanwhile does not stand for a working cluster.
            ctx.status().processed(MappingStatus.OK);
            assertThat(ctx.status().lastProcessingResult()).isEqualTo(PROBLEM);

            consumer.responses.incrementAndGet();
            errors.check();
            errors.check();
            assertThat(ctx.status().stateTransitionReason()).isEqualTo(MappingStatus.USER_ACTION);
            assertThat(ctx.status().lastProcessingResult()).isEqualTo(MappingStatus.OK);
            assertThat(pollingErrors()).isEqualTo(2);

            assertThat(log.lines("WARN", "no broker answered the consumer")).hasSize(1).first().asString()
                    .contains("mapping=", "bootstrapServers=127.0.0.1:9", "silentFor=30 s", "failuresInARow=1");
            assertThat(log.lines("DEBUG", "no broker answered the consumer")).hasSize(1).first().asString()
                    .contains("failuresInARow=2");
            assertThat(log.lines("INFO", "a broker answers the consumer again")).hasSize(1).first().asString()
                    .contains("failuresInARow=2");
        }
    }

    /** A member waiting in a long rebalance hears nothing for a while, but the cluster answers the probe. */
    @Test
    void aQuietClusterThatAnswersTheProbeIsNoProblemAndIsNotProbedAgainBeforeAnotherSilence() {
        consumer.probeAnswered = true;
        elapse(SILENCE);
        errors.check();
        errors.check();
        assertThat(consumer.probes.get()).isEqualTo(1);
        assertThat(ctx.status().lastProcessingResult()).isEqualTo(MappingStatus.NO_RECORDS_PROCESSED);
        assertThat(ctx.status().stateTransitionReason()).isEqualTo(MappingStatus.USER_ACTION);
        assertThat(pollingErrors()).isZero();
    }

    /** A broker that refuses the credentials was reached: its refusals are answers, though no response came. */
    @Test
    void failedAuthenticationsAreAnswers() {
        for (int i = 0; i < 3; i++) {
            elapse(SILENCE.dividedBy(2));
            consumer.failedAuthentications.incrementAndGet();
            errors.check();
        }
        assertThat(consumer.probes.get()).isZero();
        assertThat(pollingErrors()).isZero();
    }

    private void elapse(Duration duration) {
        now.addAndGet(duration.toNanos());
    }

    private double pollingErrors() {
        return registry.get(MetricNames.POLLING_ERROR_COUNT).counter().count();
    }

    /** A consumer with the network counters ConnectionErrors reads, and a topic listing that answers or times out. */
    private static final class CountingConsumer extends MockConsumer<byte[], byte[]> {

        final AtomicLong responses = new AtomicLong();
        final AtomicLong failedAuthentications = new AtomicLong();
        final AtomicInteger probes = new AtomicInteger();
        boolean probeAnswered;

        CountingConsumer() {
            super(OffsetResetStrategy.EARLIEST);
        }

        @Override
        public synchronized Map<MetricName, ? extends Metric> metrics() {
            return Map.of(name("response-total", Map.of()), counter(responses),
                    name("failed-authentication-total", Map.of()), counter(failedAuthentications),
                    // A node's own counter, which the sum over all connections already has.
                    name("response-total", Map.of("node-id", "node-1")), counter(new AtomicLong(1_000)));
        }

        @Override
        public synchronized Map<String, List<PartitionInfo>> listTopics(Duration timeout) {
            probes.incrementAndGet();
            if (!probeAnswered) {
                throw new TimeoutException("Timeout expired while fetching topic metadata");
            }
            responses.incrementAndGet();
            return Map.of();
        }

        private static MetricName name(String name, Map<String, String> tags) {
            Map<String, String> all = new HashMap<>(tags);
            all.put("client-id", "esm4j-test-1");
            return new MetricName(name, "consumer-metrics", "", all);
        }

        private static Metric counter(AtomicLong value) {
            return new Metric() {
                @Override
                public MetricName metricName() {
                    throw new UnsupportedOperationException();
                }

                @Override
                public Object metricValue() {
                    return (double) value.get();
                }
            };
        }
    }
}
