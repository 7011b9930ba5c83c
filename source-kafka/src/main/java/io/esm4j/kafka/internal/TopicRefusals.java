package io.esm4j.kafka.internal;

import io.esm4j.internal.retry.RetryBackoff;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicAuthorizationException;

/**
 * Topics a poll was refused for ({@link TopicAuthorizationException}: no Describe or Read ACL), until the consumer
 * reads them again. A poll that returns is no sign of that: the consumer throws the refusal once, from the poll that
 * met it in a metadata answer, and the topic then drops out of its metadata, so the polls after it return nothing
 * without failing, for good, while the partitions of the topic are assigned to nobody. So a refused topic counts as
 * read again only once its records arrive or a probe works: after the retry backoff (at least a second) the poll
 * thread asks for the offsets of the topic's partition 0, for which the consumer refreshes its metadata. A refusal
 * that still holds fails the probe (shown and counted as a failed poll, without the wait of one: the other topics'
 * polls go on), and an ACL granted meanwhile is taken up within the backoff instead of at the consumer's next metadata
 * refresh ({@code metadata.max.age.ms}, 5 minutes by default). Poll thread only.
 */
final class TopicRefusals {

    private final Consumer<byte[], byte[]> consumer;
    private final RetryBackoff backoff;
    private final java.util.function.Consumer<TopicAuthorizationException> refusedAgain;
    private final Set<String> refused = new HashSet<>();
    private int refusalsInARow;
    private long nextProbeNanos;

    /** @param refusedAgain shows and counts a probe's refusal (the poll thread's own failure handling) */
    TopicRefusals(Consumer<byte[], byte[]> consumer, RetryBackoff backoff,
                  java.util.function.Consumer<TopicAuthorizationException> refusedAgain) {
        this.consumer = consumer;
        this.backoff = backoff;
        this.refusedAgain = refusedAgain;
    }

    /**
     * Notes the topics a failed poll, probe or lookup (a starting position, paused partitions' ends) was refused for,
     * if it was: they are probed after a backoff. Whichever call meets the refusal is the only one to report it.
     */
    void failed(Throwable failure) {
        causes(failure).filter(TopicAuthorizationException.class::isInstance)
                .map(e -> ((TopicAuthorizationException) e).unauthorizedTopics()).findFirst()
                .ifPresent(topics -> {
                    refused.addAll(topics);
                    refusalsInARow++;
                    nextProbeNanos = System.nanoTime() + TopicProbes.interval(backoff, refusalsInARow).toNanos();
                });
    }

    /**
     * After a poll that returned {@code records} (handed out already): whether a topic is still refused, its refusal
     * still to be shown. A topic whose records arrived is not; the others are probed once the backoff since the last
     * refusal is over, and a probe refused again goes to {@code refusedAgain}.
     */
    boolean stillRefused(ConsumerRecords<byte[], byte[]> records) {
        if (refused.isEmpty()) {
            return false;
        }
        for (TopicPartition partition : records.partitions()) {
            refused.remove(partition.topic());
        }
        if (!refused.isEmpty() && System.nanoTime() - nextProbeNanos >= 0) {
            // Not again at every poll should the probes neither work nor be refused (timeouts).
            nextProbeNanos = System.nanoTime() + TopicProbes.interval(backoff, refusalsInARow).toNanos();
            try {
                for (String topic : List.copyOf(refused)) {
                    if (TopicProbes.refreshMetadata(consumer, topic)) {
                        refused.remove(topic);
                    }
                }
            } catch (TopicAuthorizationException e) {
                failed(e);
                refusedAgain.accept(e);
                return true;
            }
        }
        if (refused.isEmpty()) {
            refusalsInARow = 0;
            return false;
        }
        return true;
    }

    private static Stream<Throwable> causes(Throwable failure) {
        return Stream.iterate(failure, Objects::nonNull, e -> e.getCause() == e ? null : e.getCause());
    }
}
