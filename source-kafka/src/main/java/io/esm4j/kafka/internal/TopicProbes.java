package io.esm4j.kafka.internal;

import io.esm4j.internal.handler.Fatal;
import io.esm4j.internal.retry.RetryBackoff;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.WakeupException;

/**
 * What {@link TopicRefusals} and {@link MissingTopics} share: the poll thread's probes of a topic the consumer reads
 * nothing from (refused, or missing), and how often they go out. Each probe may be a metadata request to the broker.
 */
final class TopicProbes {

    /** How long one probe may hold the poll thread. */
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
    /** Probes no more often than this, whatever the retry backoff. */
    private static final Duration MIN_PROBE_INTERVAL = Duration.ofSeconds(1);

    private TopicProbes() {}

    /**
     * Asks for the offsets of the topic's partition 0, for which a consumer whose metadata lacks the topic refreshes
     * it, so that the group assigns its partitions without waiting for {@code metadata.max.age.ms}: true once that
     * works, false if it could not tell (a timeout, the broker out of reach, a stop's wakeup).
     *
     * @throws TopicAuthorizationException if the topic is refused
     */
    static boolean refreshMetadata(Consumer<byte[], byte[]> consumer, String topic) {
        try {
            consumer.beginningOffsets(List.of(new TopicPartition(topic, 0)), PROBE_TIMEOUT);
            return true;
        } catch (TopicAuthorizationException e) {
            throw e;
        } catch (WakeupException e) {
            // A stop: the loop sees it next.
            return false;
        } catch (RuntimeException e) {
            Fatal.rethrowIfFatal(e);
            return false;
        }
    }

    /** The wait before the next probe after {@code inARow} probes that found the topic still unread. */
    static Duration interval(RetryBackoff backoff, int inARow) {
        Duration delay = backoff.delay(inARow);
        return delay.compareTo(MIN_PROBE_INTERVAL) < 0 ? MIN_PROBE_INTERVAL : delay;
    }
}
