package io.esm4j.worker.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.MappingState;
import io.esm4j.ShardStatus;
import io.esm4j.kafka.KafkaAuthResults;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * When a Kafka mapping re-reads its secrets and restarts its consumer: only while it reports a problem, only when a
 * secret changed, never after its stop; the state and reason meanwhile. (KafkaAuthWorkerTest runs a rotation against
 * a broker.)
 */
class KafkaSecretRefreshTest {

    private static final String ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:bob";
    private static final String AUTH_PROBLEM = "PROBLEM: polling Kafka failed: "
            + "org.apache.kafka.common.errors.SaslAuthenticationException: Authentication failed";

    private final List<FakeMapping> built = new CopyOnWriteArrayList<>();
    private final AtomicInteger reads = new AtomicInteger();
    private volatile String secret = "bob-password-1";

    private KafkaSecretRefresh.Built build() {
        FakeMapping mapping = new FakeMapping();
        built.add(mapping);
        return new KafkaSecretRefresh.Built(mapping, Map.of(ARN, KafkaSecretRefresh.digest(secret)));
    }

    private KafkaSecretRefresh refresh() {
        return new KafkaSecretRefresh("m", build(), this::build, arns -> {
            reads.incrementAndGet();
            return Map.of(ARN, KafkaSecretRefresh.digest(secret));
        });
    }

    @Test
    void aChangedSecretRestartsTheConsumerOnlyOnceTheMappingReportsAProblem() throws Exception {
        KafkaSecretRefresh refresh = refresh();
        refresh.start();
        FakeMapping first = built.getFirst();
        first.state = MappingState.ENABLED;
        first.result = "OK";
        secret = "bob-password-2";
        // Working: nothing is read, nothing restarts, whatever the secret holds.
        Thread.sleep(2_500);
        assertThat(reads).hasValue(0);
        assertThat(built).hasSize(1);

        first.reason = AUTH_PROBLEM;
        await().atMost(Duration.ofSeconds(20)).until(() -> built.size() == 2 && built.get(1).started);
        assertThat(first.stopped).isTrue();
        FakeMapping second = built.get(1);
        // Until the new consumer runs, the problem that led to the restart shows, and the last result carries over.
        assertThat(refresh.stateTransitionReason()).startsWith(AUTH_PROBLEM).contains("a secret changed")
                .doesNotContain("bob-password");
        assertThat(refresh.lastProcessingResult()).isEqualTo("OK");
        second.state = MappingState.ENABLED;
        assertThat(refresh.state()).isEqualTo(MappingState.ENABLED);
        assertThat(refresh.stateTransitionReason()).isEqualTo("User action");

        refresh.stop(Duration.ofSeconds(5));
        assertThat(second.stopped).isTrue();
        assertThat(built).hasSize(2);
    }

    /**
     * Lambda's authentication message that the refused consumer showed carries over to its successor only until the
     * successor works; then the result from before the refusal shows again, not the refusal for ever.
     */
    @Test
    void aRefusedAuthenticationResultIsNotCarriedPastASuccessorThatWorks() throws Exception {
        KafkaSecretRefresh refresh = refresh();
        refresh.start();
        FakeMapping first = built.getFirst();
        first.state = MappingState.ENABLED;
        first.result = "OK";
        // The watcher has read "OK" (what a successor carries over) before the cluster refuses the consumer.
        int readsBefore = first.resultReads.get();
        await().atMost(Duration.ofSeconds(20)).until(() -> first.resultReads.get() > readsBefore);
        first.result = KafkaAuthResults.SASL_AUTHENTICATION_FAILED;
        secret = "bob-password-2";
        first.reason = AUTH_PROBLEM;
        await().atMost(Duration.ofSeconds(20)).until(() -> built.size() == 2 && built.get(1).started);
        FakeMapping second = built.get(1);
        assertThat(refresh.lastProcessingResult()).isEqualTo(KafkaAuthResults.SASL_AUTHENTICATION_FAILED);

        second.state = MappingState.ENABLED;
        await().atMost(Duration.ofSeconds(20)).until(() -> refresh.lastProcessingResult().equals("OK"));
        refresh.stop(Duration.ofSeconds(5));
    }

    @Test
    void anUnchangedSecretIsReadAgainWithBackoffAndNothingRestarts() throws Exception {
        KafkaSecretRefresh refresh = refresh();
        refresh.start();
        built.getFirst().reason = AUTH_PROBLEM;
        await().atMost(Duration.ofSeconds(20)).until(() -> reads.get() >= 2);
        assertThat(built).hasSize(1);
        assertThat(built.getFirst().stopped).isFalse();
        assertThat(refresh.stateTransitionReason()).isEqualTo(AUTH_PROBLEM);

        refresh.stop(Duration.ofSeconds(5));
        int readsAtStop = reads.get();
        secret = "bob-password-2";
        Thread.sleep(2_500);
        // Stopped: the watcher is gone, nothing is read or built any more.
        assertThat(reads).hasValue(readsAtStop);
        assertThat(built).hasSize(1);
        assertThat(built.getFirst().stopped).isTrue();
    }

    /** A mapping whose state and reason the test sets. */
    private static final class FakeMapping implements RunningMapping {
        volatile MappingState state = MappingState.ENABLING;
        volatile String reason = "User action";
        volatile String result = "No records processed";
        volatile boolean started;
        volatile boolean stopped;
        /** How often the result was read: the watcher reads it at each of its checks. */
        final AtomicInteger resultReads = new AtomicInteger();

        @Override
        public void start() {
            started = true;
        }

        @Override
        public void stop(Duration timeout) {
            stopped = true;
            state = MappingState.DISABLED;
        }

        @Override
        public MappingState state() {
            return state;
        }

        @Override
        public String stateTransitionReason() {
            return reason;
        }

        @Override
        public String lastProcessingResult() {
            resultReads.incrementAndGet();
            return result;
        }

        @Override
        public List<ShardStatus> shards() {
            return List.of();
        }
    }
}
