package io.esm4j.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.queue.QueueMessage;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SqsRetryDelayTest {

    @Test
    void immediatelyMakesAFailedMessageVisibleAtOnceWhateverItsReceiveCount() {
        assertThat(SqsRetryDelay.immediately().apply(received(1))).isZero();
        assertThat(SqsRetryDelay.immediately().apply(received(50))).isZero();
    }

    @Test
    void exponentialDoublesPerReceiveUpToTheCap() {
        SqsRetryDelay delay = SqsRetryDelay.exponential(Duration.ofSeconds(1), Duration.ofSeconds(10));

        assertThat(delay.apply(received(1))).isEqualTo(Duration.ofSeconds(1));
        assertThat(delay.apply(received(2))).isEqualTo(Duration.ofSeconds(2));
        assertThat(delay.apply(received(3))).isEqualTo(Duration.ofSeconds(4));
        assertThat(delay.apply(received(4))).isEqualTo(Duration.ofSeconds(8));
        assertThat(delay.apply(received(5))).isEqualTo(Duration.ofSeconds(10));
        assertThat(delay.apply(received(Integer.MAX_VALUE))).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void aMessageWithoutAReceiveCountGetsTheInitialDelay() {
        SqsMessage noCount = new SqsMessage("id", "handle", "body", Map.of(), Map.of(), null, null,
                SqsMessage.EVENT_SOURCE, null, null);

        assertThat(SqsRetryDelay.exponential(Duration.ofSeconds(3), Duration.ofMinutes(1))
                .apply(new QueueMessage<>("id", "handle", null, 4, noCount))).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void delaysOutsideWhatSqsAcceptsAreRejectedWithTheValue() {
        assertThatThrownBy(() -> SqsRetryDelay.exponential(Duration.ofSeconds(-1), Duration.ofSeconds(1)))
                .hasMessageContaining("PT-1S").hasMessageContaining("0 s to 12 h");
        assertThatThrownBy(() -> SqsRetryDelay.exponential(Duration.ofSeconds(5), Duration.ofSeconds(1)))
                .hasMessageContaining("PT1S").hasMessageContaining("initial delay (PT5S)");
        assertThatThrownBy(() -> SqsRetryDelay.exponential(Duration.ofSeconds(1), Duration.ofHours(13)))
                .hasMessageContaining("PT13H");
    }

    private static QueueMessage<SqsMessage> received(int receiveCount) {
        SqsMessage record = new SqsMessage("id", "handle", "body",
                Map.of("ApproximateReceiveCount", Integer.toString(receiveCount)), Map.of(), null, null,
                SqsMessage.EVENT_SOURCE, null, null);
        return new QueueMessage<>("id", "handle", null, 4, record);
    }
}
