package io.esm4j.kafka.internal;

import io.esm4j.internal.FailureRun;
import io.esm4j.internal.handler.Fatal;
import io.esm4j.internal.stream.StreamContext;
import io.esm4j.kafka.KafkaRecord;
import io.esm4j.settings.Setting;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster the consumer cannot reach (wrong bootstrap servers or port, the cluster down, a network path closed, a TLS
 * listener given as PLAINTEXT), shown as the mapping's problem and LastProcessingResult, starting as Lambda's does
 * ({@code PROBLEM: Connection error.}), for as long as it lasts. A Kafka consumer does not fail a poll for it: it
 * reconnects by itself and only logs, so the mapping watches the consumer's own network metrics instead, what its
 * connections received: responses, and authentications that worked or failed (a broker that refuses the credentials
 * is reached: that is {@link AuthResults}' message, not this one). A connected consumer gets an answer at least every
 * heartbeat interval and every {@code fetch.max.wait.ms}; when nothing arrived for the consumer's own
 * {@code request.timeout.ms}, after which it would fail a request itself, one request for the cluster's topic list
 * (bounded by {@link TopicProbes#PROBE_TIMEOUT}) tells an unreachable cluster from a quiet one (a member waiting in a
 * long rebalance gets no answer until it ends). An unanswered probe shows the problem, counts it in PollingErrorCount
 * and logs it ({@link FailureRun}); while it lasts it is counted and logged again each {@code request.timeout.ms},
 * with no further probe, and the first answer of any kind takes it back. In the steady state the poll thread's check
 * is a read of three counters. The same counters tell when a refused authentication ended
 * ({@link #authenticationStillRefused}). Poll thread only.
 */
final class ConnectionErrors {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionErrors.class);
    private static final String COMPONENT = "connection";
    /** The consumer's network metrics (its Selector's), without a node-id tag: over all its connections. */
    private static final String GROUP = "consumer-metrics";
    private static final String AUTHENTICATED = "successful-authentication-total";
    private static final Set<String> ANSWERS = Set.of("response-total", AUTHENTICATED, "failed-authentication-total");
    /** Kafka's default request.timeout.ms. */
    private static final long DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

    private final StreamContext<KafkaRecord> ctx;
    private final Consumer<byte[], byte[]> consumer;
    private final String bootstrapServers;
    private final Duration silence;
    private final String text;
    /**
     * Empty until the consumer's network metrics are there (the consumer group protocol's consumer creates its network
     * client on its own thread, which may not have got to it at the first check), and for good for a consumer without
     * any (a test's MockConsumer).
     */
    private List<Metric> answers;
    /** Of those, the successful authentications' (looked up with them). */
    private List<Metric> authentications = List.of();
    private final LongSupplier nanoTime;
    private final FailureRun failures;
    private double answered;
    private long deadline;
    private boolean shown;
    /** The successful authentications when a poll last failed on an authentication refusal; -1 while none stands. */
    private double authenticationsAtRefusal = -1;

    /** The consumer's request.timeout.ms: after so long without an answer it fails a request itself. */
    static Duration silence(Map<String, String> consumerProperties) {
        String given = consumerProperties.get(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG);
        return Duration.ofMillis(given == null ? DEFAULT_REQUEST_TIMEOUT_MS : Long.parseLong(given.trim()));
    }

    /** @param silence how long without an answer before the cluster is probed: the consumer's request.timeout.ms */
    ConnectionErrors(StreamContext<KafkaRecord> ctx, Consumer<byte[], byte[]> consumer, String bootstrapServers,
                     Duration silence) {
        this(ctx, consumer, bootstrapServers, silence, System::nanoTime);
    }

    /** With a clock of the caller's (a test's), for the silence and the log's summaries. */
    ConnectionErrors(StreamContext<KafkaRecord> ctx, Consumer<byte[], byte[]> consumer, String bootstrapServers,
                     Duration silence, LongSupplier nanoTime) {
        this.ctx = ctx;
        this.consumer = consumer;
        this.bootstrapServers = bootstrapServers;
        this.silence = silence;
        this.nanoTime = nanoTime;
        this.failures = new FailureRun(nanoTime, FailureRun.SUMMARY_INTERVAL);
        this.text = "PROBLEM: Connection error. No broker answered the mapping for " + Setting.words(silence)
                + "; bootstrap servers: " + bootstrapServers + ".";
        // Looked up on the poll thread, at the first check: the consumer is single-threaded.
        this.answers = List.of();
        this.deadline = nanoTime.getAsLong() + silence.toNanos();
    }

    private static List<Metric> answerMetrics(Map<MetricName, ? extends Metric> metrics, Set<String> names) {
        return metrics.entrySet().stream()
                .filter(e -> e.getKey().group().equals(GROUP) && names.contains(e.getKey().name())
                        && !e.getKey().tags().containsKey("node-id"))
                .<Metric>map(Map.Entry::getValue).toList();
    }

    /** Before each poll: an answer since the last check ends a connection error; a silence too long starts one. */
    void check() {
        if (counters().isEmpty()) {
            return;
        }
        long now = nanoTime.getAsLong();
        double total = answered();
        if (total != answered) {
            answered = total;
            deadline = now + silence.toNanos();
            if (shown) {
                recovered();
            }
            return;
        }
        if (now - deadline < 0) {
            return;
        }
        if (!shown && probeAnswered()) {
            answered = answered();
            deadline = nanoTime.getAsLong() + silence.toNanos();
            return;
        }
        failed();
        deadline = nanoTime.getAsLong() + silence.toNanos();
    }

    /** Whether one request for the topic list got an answer of any kind (a refusal too) within the probe timeout. */
    private boolean probeAnswered() {
        try {
            consumer.listTopics(TopicProbes.PROBE_TIMEOUT);
        } catch (WakeupException e) {
            // A stop: the loop sees it next; nothing to show.
            return true;
        } catch (RuntimeException e) {
            Fatal.rethrowIfFatal(e);
        }
        return answered() != answered;
    }

    private void failed() {
        ctx.metrics().pollingErrors.increment();
        FailureRun.Report report = failures.failed();
        if (!shown) {
            shown = true;
            ctx.status().problem(COMPONENT, text);
            // Held, so that a batch's result from before (or a stale OK) does not stand for a working mapping.
            ctx.status().hold(COMPONENT, text);
        }
        FailureRun.log(LOG, report, null, false).addKeyValue("mapping", ctx.mappingName())
                .addKeyValue("bootstrapServers", bootstrapServers).addKeyValue("silentFor", Setting.words(silence))
                .log("no broker answered the consumer (request.timeout.ms): the cluster is out of reach; the consumer "
                        + "keeps reconnecting by itself");
    }

    private void recovered() {
        shown = false;
        ctx.status().resolved(COMPONENT);
        LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("bootstrapServers", bootstrapServers)
                .addKeyValue("failuresInARow", failures.succeeded()).log("a broker answers the consumer again");
    }

    /**
     * A poll failed: if on an authentication refusal (SASL or TLS credentials), the successful authentications so far,
     * below which {@link #authenticationStillRefused} holds the refusal.
     */
    void pollFailed(RuntimeException e) {
        if (e instanceof AuthenticationException) {
            authenticationsAtRefusal = successfulAuthentications();
        }
    }

    /**
     * Whether a poll that returned normally leaves an authentication refusal standing. A consumer throws the refusal
     * from the poll that met it, and the polls in between, while it waits to reconnect, return nothing: no sign that
     * the credentials work. The refusal ends with records, or once an authentication has worked since; a consumer
     * without network metrics (a test's MockConsumer) ends it at any poll that returns.
     */
    boolean authenticationStillRefused(ConsumerRecords<?, ?> records) {
        if (authenticationsAtRefusal < 0) {
            return false;
        }
        double now = successfulAuthentications();
        if (records.isEmpty() && now >= 0 && now <= authenticationsAtRefusal) {
            return true;
        }
        authenticationsAtRefusal = -1;
        return false;
    }

    /** The consumer's network counters, looked up until found: empty while (or if) the consumer has none. */
    private List<Metric> counters() {
        if (answers.isEmpty()) {
            Map<MetricName, ? extends Metric> metrics = consumer.metrics();
            answers = answerMetrics(metrics, ANSWERS);
            authentications = answerMetrics(metrics, Set.of(AUTHENTICATED));
        }
        return answers;
    }

    /** The consumer's successful authentications so far; -1 without its network metrics. */
    private double successfulAuthentications() {
        counters();
        return authentications.isEmpty() ? -1 : sum(authentications);
    }

    /** What the consumer's connections received so far: responses and authentications, worked or failed. */
    private double answered() {
        return sum(answers);
    }

    private static double sum(List<Metric> counters) {
        double sum = 0;
        for (Metric metric : counters) {
            if (metric.metricValue() instanceof Number number) {
                sum += number.doubleValue();
            }
        }
        return sum;
    }
}
