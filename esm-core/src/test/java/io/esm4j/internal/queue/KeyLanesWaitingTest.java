package io.esm4j.internal.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.queue.QueueMessage;
import io.esm4j.settings.StreamSettings;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Messages whose key another poller holds wait behind it, in receive order, up to a bound. */
class KeyLanesWaitingTest {

    /** Heartbeats only as owners: KeyLanes never calls them. */
    private final VisibilityHeartbeat<String> pollerB = new VisibilityHeartbeat<>(null, null, null, "b");
    private final VisibilityHeartbeat<String> pollerC = new VisibilityHeartbeat<>(null, null, null, "c");
    private final VisibilityHeartbeat<String> pollerA = new VisibilityHeartbeat<>(null, null, null, "a");

    private static QueueMessage<String> message(String body) {
        return new QueueMessage<>(body, "receipt-" + body, null, body.length(), body);
    }

    private static List<String> bodies(List<KeyLanes.Waiting<String>> waiting) {
        return waiting.stream().map(w -> w.message().payload()).toList();
    }

    private final KeyLanes<String> lanes = new KeyLanes<>(m -> m.payload().substring(0, 1), 3);

    @Test
    void theHolderGetsWhatWaitsForItsKeysInReceiveOrderAndReleasesThemOnceNothingWaits() {
        KeyLanes.Split<String> a = lanes.take(List.of(message("k1"), message("j1")), pollerA);
        assertThat(a.mine()).extracting(QueueMessage::payload).containsExactly("k1", "j1");

        KeyLanes.Split<String> b = lanes.take(List.of(message("k2"), message("x1"), message("k3")), pollerB);
        KeyLanes.Split<String> c = lanes.take(List.of(message("k4")), pollerC);
        assertThat(b.mine()).extracting(QueueMessage::payload).containsExactly("x1");
        assertThat(b.waiting()).extracting(QueueMessage::payload).containsExactly("k2", "k3");
        assertThat(c.waiting()).extracting(QueueMessage::payload).containsExactly("k4");

        Set<String> keys = new HashSet<>(a.keysTaken());
        List<KeyLanes.Waiting<String>> next = lanes.next(keys, 2, 0);
        assertThat(bodies(next)).containsExactly("k2", "k3");
        assertThat(next).extracting(KeyLanes.Waiting::tracker).containsExactly(pollerB, pollerB);
        assertThat(keys).as("j had nothing waiting and is released").containsExactly("k");
        assertThat(bodies(lanes.next(keys, 2, 0))).containsExactly("k4");
        assertThat(lanes.next(keys, 2, 0)).isEmpty();
        assertThat(keys).isEmpty();

        assertThat(lanes.take(List.of(message("k5")), pollerC).mine()).extracting(QueueMessage::payload)
                .containsExactly("k5");
    }

    /** Two waiting messages of 3 MiB fill 6 MiB exactly: the event's envelope leaves room for one of them. */
    @Test
    void theEventsEnvelopeCountsAgainstTheCapOfWhatWaits() {
        int half = StreamSettings.MAX_PAYLOAD_BYTES / 2;
        KeyLanes.Split<String> a = lanes.take(List.of(message("k1")), pollerA);
        lanes.take(List.of(new QueueMessage<>("k2", "receipt-k2", null, half, "k2"),
                new QueueMessage<>("k3", "receipt-k3", null, half, "k3")), pollerB);
        Set<String> keys = new HashSet<>(a.keysTaken());

        assertThat(bodies(lanes.next(keys, 10, 13))).containsExactly("k2");
        assertThat(bodies(lanes.next(keys, 10, 13))).containsExactly("k3");
    }

    @Test
    void beyondTheBoundAMessageWithABusyKeyIsLeftToGoBackToTheQueue() {
        lanes.take(List.of(message("k1")), pollerA);
        KeyLanes.Split<String> b = lanes.take(List.of(message("k2"), message("k3"), message("k4"), message("k5")),
                pollerB);
        assertThat(b.waiting()).extracting(QueueMessage::payload).containsExactly("k2", "k3", "k4");
        assertThat(b.busy()).extracting(QueueMessage::payload).containsExactly("k5");
    }

    @Test
    void aPollerTakesBackWhatItLeftWaitingAndAnAbandonedKeyGivesUpWhatWaitsForIt() {
        KeyLanes.Split<String> a = lanes.take(List.of(message("k1")), pollerA);
        lanes.take(List.of(message("k2")), pollerB);
        lanes.take(List.of(message("k3")), pollerC);

        assertThat(lanes.withdraw(pollerB)).extracting(QueueMessage::payload).containsExactly("k2");
        Set<String> keys = new HashSet<>(a.keysTaken());
        assertThat(bodies(lanes.abandon(keys))).containsExactly("k3");
        assertThat(keys).isEmpty();
        // The key is free, and both gave their places under the bound back.
        assertThat(lanes.take(List.of(message("k4")), pollerA).mine()).hasSize(1);
        KeyLanes.Split<String> b = lanes.take(List.of(message("k5"), message("k6"), message("k7")), pollerB);
        assertThat(b.waiting()).extracting(QueueMessage::payload).containsExactly("k5", "k6", "k7");
    }
}
