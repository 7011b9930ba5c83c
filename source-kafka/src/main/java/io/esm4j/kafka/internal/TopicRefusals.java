package io.esm4j.kafka.internal;

import io.esm4j.internal.handler.Fatal;
import io.esm4j.internal.retry.RetryBackoff;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Topics a poll was refused for ({@link TopicAuthorizationException}: no Describe or Read ACL), until the consumer
 * reads them again. A poll that returns is no sign of that: the consumer throws the refusal once, from the poll that
 * met it in a metadata answer, and the topic then drops out of its metadata, so the polls after it return nothing
 * without failing, for good, while the partitions of the topic are assigned to nobody. A refused topic counts as read
 * again once the consumer's metadata has its partitions again or its records arrive. Until then, after the retry
 * backoff (at least a second), the poll thread asks for the offsets of the topic's partition 0: that makes the
 * consumer refresh its metadata, so a refusal that still holds fails again (shown and counted as a failed poll, without
 * the wait of one: the other topics' polls go on), and an ACL granted meanwhile is taken up within the backoff instead
 * of at the consumer's next metadata refresh ({@code metadata.max.age.ms}, 5 minutes by default). Poll thread only.
 */
final class TopicRefusals {

    /** How long a probe may hold the poll thread. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
    /** Probes no more often than this, whatever the retry backoff: each is a metadata request to the broker. */
    private static final Duration MIN_PROBE_INTERVAL = Duration.ofSeconds(1);

    private final Consumer<byte[], byte[]> consumer;
    private final RetryBackoff backoff;
    private final Set<String> refused = new HashSet<>();
    private int refusalsInARow;
    private long nextProbeNanos;

    TopicRefusals(Consumer<byte[], byte[]> consumer, RetryBackoff backoff) {
        this.consumer = consumer;
        this.backoff = backoff;
    }

    /** Notes the topics a failed poll (or probe) was refused for, if it was: they are probed after a backoff. */
    void failed(Throwable failure) {
        causes(failure).filter(TopicAuthorizationException.class::isInstance)
                .map(e -> ((TopicAuthorizationException) e).unauthorizedTopics()).findFirst()
                .ifPresent(topics -> {
                    refused.addAll(topics);
                    refusalsInARow++;
                    Duration delay = backoff.delay(refusalsInARow);
                    nextProbeNanos = System.nanoTime()
                            + (delay.compareTo(MIN_PROBE_INTERVAL) < 0 ? MIN_PROBE_INTERVAL : delay).toNanos();
                });
    }

    /**
     * After a poll that returned {@code records} (handed out already): whether a topic is still refused, its refusal
     * still to be shown. Probes the topics still refused once the backoff since the last refusal is over; a probe
     * refused again throws the refusal, which the caller shows and passes to {@link #failed} as a poll's.
     */
    boolean stillRefused(ConsumerRecords<byte[], byte[]> records) {
        if (refused.isEmpty()) {
            return false;
        }
        for (TopicPartition partition : records.partitions()) {
            refused.remove(partition.topic());
        }
        refused.removeIf(this::known);
        if (!refused.isEmpty() && System.nanoTime() - nextProbeNanos >= 0) {
            for (String topic : List.copyOf(refused)) {
                probe(topic);
            }
            refused.removeIf(this::known);
        }
        if (refused.isEmpty()) {
            refusalsInARow = 0;
            return false;
        }
        return true;
    }

    /**
     * Asks for the offsets of the topic's partition 0: a consumer whose metadata lacks the topic refreshes it for
     * that, and throws the refusal if it still holds.
     */
    private void probe(String topic) {
        try {
            consumer.beginningOffsets(List.of(new TopicPartition(topic, 0)), PROBE_TIMEOUT);
        } catch (TopicAuthorizationException e) {
            throw e;
        } catch (WakeupException e) {
            // A stop: the loop sees it next.
        } catch (RuntimeException e) {
            // A timeout, the broker out of reach: probed again at the next poll.
            Fatal.rethrowIfFatal(e);
        }
    }

    /** Whether the consumer's metadata has the topic's partitions (asked without waiting for the broker). */
    private boolean known(String topic) {
        try {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ZERO);
            return partitions != null && !partitions.isEmpty();
        } catch (WakeupException e) {
            return false;
        } catch (RuntimeException e) {
            // Not in the consumer's metadata: the consumer would have to ask the broker, and was given no time to.
            Fatal.rethrowIfFatal(e);
            return false;
        }
    }

    private static Stream<Throwable> causes(Throwable failure) {
        return Stream.iterate(failure, Objects::nonNull, e -> e.getCause() == e ? null : e.getCause());
    }
}
