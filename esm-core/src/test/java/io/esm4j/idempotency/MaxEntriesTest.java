package io.esm4j.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.QueueEventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.queue.QueueMessage;
import io.esm4j.settings.InvalidSettingException;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.SqsLikeMessage;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/**
 * MaxEntries bounds an {@link InMemoryIdempotencyStore} through its constructor; the settings' value is not read by
 * any store, so a mapping refuses one that says otherwise rather than run with a bound nobody asked for.
 */
class MaxEntriesTest {

    private final InMemoryQueue queue = InMemoryQueue.standard("orders").build();

    @Test
    void settingsThatContradictTheInMemoryStoresBoundAreRefusedWhenTheMappingIsBuilt() {
        InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(100_000, Clock.systemUTC());
        Idempotency<QueueMessage<SqsLikeMessage>> idempotency = Idempotency.<QueueMessage<SqsLikeMessage>>of(store)
                .withSettings(IdempotencySettings.builder().maxEntries(1_000).build());

        assertThatThrownBy(() -> mapping(idempotency)).isInstanceOf(InvalidSettingException.class)
                .hasMessage("Invalid value for MaxEntries: 1000. Expected the bound of the InMemoryIdempotencyStore "
                        + "it is used with (100,000): MaxEntries is the store's, given to its constructor, "
                        + "new InMemoryIdempotencyStore(1000, clock).")
                .extracting(e -> ((InvalidSettingException) e).parameter()).isEqualTo("MaxEntries");
    }

    @Test
    void theStoresOwnBoundOrTheDefaultIsAccepted() {
        InMemoryIdempotencyStore small = new InMemoryIdempotencyStore(1_000, Clock.systemUTC());
        assertThat(mapping(Idempotency.<QueueMessage<SqsLikeMessage>>of(small)
                .withSettings(IdempotencySettings.builder().maxEntries(1_000).build()))).isNotNull();
        assertThat(mapping(Idempotency.of(small))).isNotNull();
    }

    private QueueEventSourceMapping<SqsLikeMessage> mapping(Idempotency<QueueMessage<SqsLikeMessage>> idempotency) {
        QueueEventSourceMapping<SqsLikeMessage> built = QueueEventSourceMapping.<SqsLikeMessage>builder("orders",
                queue, batch -> BatchResult.success()).idempotency(idempotency).build();
        built.close();
        return built;
    }
}
