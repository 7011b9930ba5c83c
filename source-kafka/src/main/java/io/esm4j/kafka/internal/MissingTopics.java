package io.esm4j.kafka.internal;

import io.esm4j.internal.handler.Fatal;
import io.esm4j.internal.stream.StreamContext;
import io.esm4j.kafka.KafkaAuthResults;
import io.esm4j.kafka.KafkaRecord;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subscribed topics that do not exist (a typo, a topic not created yet with auto-creation off, one deleted while the
 * mapping runs), shown as the mapping's problem and LastProcessingResult until they do. A Kafka consumer group takes
 * a subscribed topic that does not exist for one without partitions: no poll fails, the client only logs
 * {@code UNKNOWN_TOPIC_OR_PARTITION} warnings. So after each rebalance the topics of which this member owns no
 * partition are probed on the poll thread ({@link Consumer#partitionsFor}: the consumer's metadata if it knows the
 * topic, else one metadata request with a short timeout); a topic whose partitions are owned exists and is not
 * probed. A topic found missing is probed again after the retry backoff (at least a second), each finding counted in
 * PollingErrorCount; once it exists, its partition 0's offsets are asked for, for which the consumer refreshes its
 * metadata (as for {@link TopicRefusals}), so that its partitions are assigned at once rather than at the consumer's
 * next metadata refresh ({@code metadata.max.age.ms}, 5 minutes by default); they start at their earliest offset
 * ({@link StartPositions}). A refused topic is {@link TopicRefusals}'s: its existence cannot be told. In the steady
 * state nothing is probed and the poll thread's check is one empty set's. Poll thread only.
 */
final class MissingTopics {

    private static final Logger LOG = LoggerFactory.getLogger(MissingTopics.class);
    private static final String COMPONENT = "topics";

    private enum Found { EXISTS, MISSING, REFUSED, UNKNOWN }

    private final StreamContext<KafkaRecord> ctx;
    private final Consumer<byte[], byte[]> consumer;
    private final List<String> topics;
    private final Map<TopicPartition, PartitionState> owned;
    /** Where a probe's refusal goes: {@link TopicRefusals#failed}. */
    private final java.util.function.Consumer<Throwable> refusals;
    /** Topics to probe: empty but after a rebalance that left a topic without an owned partition. */
    private final Set<String> suspects = new LinkedHashSet<>();
    /** Topics found missing, in name order, as the status names them. */
    private final Set<String> missing = new TreeSet<>();
    private int probesInARow;
    private long nextProbeNanos;

    MissingTopics(StreamContext<KafkaRecord> ctx, Consumer<byte[], byte[]> consumer, List<String> topics,
                  Map<TopicPartition, PartitionState> owned, java.util.function.Consumer<Throwable> refusals) {
        this.ctx = ctx;
        this.consumer = consumer;
        this.topics = List.copyOf(topics);
        this.owned = owned;
        this.refusals = refusals;
    }

    /** {@code listener}, followed by a look at which topics this member owns partitions of after each callback. */
    ConsumerRebalanceListener listening(ConsumerRebalanceListener listener) {
        return new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                listener.onPartitionsAssigned(partitions);
                rebalanced();
            }

            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                listener.onPartitionsRevoked(partitions);
                rebalanced();
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                listener.onPartitionsLost(partitions);
                rebalanced();
            }
        };
    }

    /** A topic with an owned partition exists; the others are probed next. */
    private void rebalanced() {
        Set<String> ownedTopics = new TreeSet<>();
        for (TopicPartition partition : owned.keySet()) {
            ownedTopics.add(partition.topic());
        }
        suspects.clear();
        for (String topic : topics) {
            if (!ownedTopics.contains(topic)) {
                suspects.add(topic);
            }
        }
        if (missing.removeAll(ownedTopics)) {
            show();
        }
        nextProbeNanos = System.nanoTime();
    }

    /** Probes the suspect topics if the backoff since the last probe is over: a no-op while none is a suspect. */
    void probeIfDue() {
        if (suspects.isEmpty() || System.nanoTime() - nextProbeNanos < 0) {
            return;
        }
        boolean changed = false;
        for (String topic : List.copyOf(suspects)) {
            Found found = probe(topic);
            if (found == Found.UNKNOWN) {
                // The broker did not answer in time: the others would not either.
                break;
            }
            if (found == Found.MISSING) {
                ctx.metrics().pollingErrors.increment();
                if (missing.add(topic)) {
                    changed = true;
                    LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("topic", topic)
                            .log("subscribed topic does not exist; nothing is read from it until it is created, and "
                                    + "it is probed again after a backoff");
                }
                continue;
            }
            if (missing.remove(topic)) {
                changed = true;
                LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("topic", topic)
                        .log("subscribed topic exists now; its partitions are read from their earliest offset");
            }
            if (found == Found.REFUSED || learned(topic)) {
                suspects.remove(topic);
            }
        }
        if (changed) {
            show();
        }
        probesInARow = missing.isEmpty() ? 0 : probesInARow + 1;
        nextProbeNanos = System.nanoTime() + TopicProbes.interval(ctx.backoff(), probesInARow).toNanos();
    }

    private void show() {
        if (missing.isEmpty()) {
            ctx.status().resolved(COMPONENT);
            return;
        }
        String text = KafkaAuthResults.ofMissingTopics(missing);
        ctx.status().problem(COMPONENT, text);
        // Held, so that the batches of the mapping's other topics do not replace it with their OK.
        ctx.status().hold(COMPONENT, text);
    }

    private Found probe(String topic) {
        try {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, TopicProbes.PROBE_TIMEOUT);
            return partitions == null || partitions.isEmpty() ? Found.MISSING : Found.EXISTS;
        } catch (TopicAuthorizationException e) {
            // Kafka answers so for a topic without Describe, whether it exists or not: TopicRefusals shows it.
            refusals.accept(e);
            return Found.REFUSED;
        } catch (WakeupException e) {
            // A stop: the loop sees it next.
            return Found.UNKNOWN;
        } catch (RuntimeException e) {
            Fatal.rethrowIfFatal(e);
            return Found.UNKNOWN;
        }
    }

    /** {@link TopicProbes#refreshMetadata}; a refusal there is told from the next probe (partitionsFor). */
    private boolean learned(String topic) {
        try {
            return TopicProbes.refreshMetadata(consumer, topic);
        } catch (TopicAuthorizationException e) {
            return false;
        }
    }
}
