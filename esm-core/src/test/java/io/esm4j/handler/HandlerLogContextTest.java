package io.esm4j.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.QueueEventSourceMapping;
import io.esm4j.queue.QueueMessage;
import io.esm4j.settings.QueueSettings;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.SqsLikeMessage;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.spi.MDCAdapter;

/**
 * While a handler runs, its log lines can name the mapping and the batch's partition through SLF4J's MDC. The tests'
 * back end, slf4j-simple, keeps no MDC: SLF4J's own map-based one stands in for a real back end's (Logback's, Log4j's)
 * while this class runs.
 */
class HandlerLogContextTest {

    private static MDCAdapter before;

    @BeforeAll
    static void useAnMdcThatKeepsValues() throws ReflectiveOperationException {
        before = MDC.getMDCAdapter();
        setMdcAdapter(new BasicMDCAdapter());
    }

    @AfterAll
    static void restoreTheMdc() throws ReflectiveOperationException {
        setMdcAdapter(before);
    }

    /** MDC.setMDCAdapter is package-private: SLF4J sets it from the provider it finds. */
    private static void setMdcAdapter(MDCAdapter adapter) throws ReflectiveOperationException {
        Method set = MDC.class.getDeclaredMethod("setMDCAdapter", MDCAdapter.class);
        set.setAccessible(true);
        set.invoke(null, adapter);
    }

    /** The MDC as one call saw it, and that call's partition. */
    private record Call(Map<String, String> context, String partition) {}

    /** One entry per call: two shards call at once, so two lists appended apart could pair one's MDC with another's. */
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final List<Map<String, String>> seen = new CopyOnWriteArrayList<>();

    private <T> BatchResult record(Batch<T> batch) {
        Map<String, String> context = MDC.getCopyOfContextMap();
        Map<String, String> copy = context == null ? Map.of() : context;
        calls.add(new Call(copy, batch.partition()));
        seen.add(copy);
        return BatchResult.success();
    }

    @Test
    void aStreamHandlerSeesTheMappingAndTheShard() throws Exception {
        InMemoryStream stream = InMemoryStream.create("clicks", 2);
        for (int i = 0; i < 6; i++) {
            stream.put("k" + i, "r" + i);
        }
        BatchHandler<StreamRecord<byte[]>> handler = this::record;
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("clicks-mapping", stream, handler)
                .settings(StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON).batchSize(1)
                        .idlePollInterval(Duration.ofMillis(5)).shardSyncInterval(Duration.ofMillis(100)).build())
                .build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= 6);
        } finally {
            mapping.stop(Duration.ofSeconds(10));
        }

        assertThat(calls).extracting(Call::partition).containsAll(stream.openShardIds());
        assertThat(calls).allSatisfy(call -> assertThat(call.context())
                .containsEntry(HandlerLogContext.MAPPING, "clicks-mapping")
                .containsEntry(HandlerLogContext.PARTITION, call.partition()));
    }

    @Test
    void aQueueHandlerSeesTheMappingAndTheQueue() throws Exception {
        InMemoryQueue queue = InMemoryQueue.standard("orders").build();
        for (int i = 0; i < 3; i++) {
            queue.send("m" + i);
        }
        BatchHandler<QueueMessage<SqsLikeMessage>> handler = this::record;
        QueueEventSourceMapping<SqsLikeMessage> mapping = QueueEventSourceMapping.builder("orders-mapping", queue,
                        handler)
                .settings(QueueSettings.builder().batchSize(1).receiveWaitTime(Duration.ofMillis(50))
                        .idlePollInterval(Duration.ofMillis(50)).build())
                .build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= 3);
        } finally {
            mapping.stop(Duration.ofSeconds(10));
        }

        assertThat(seen).allSatisfy(context -> assertThat(context)
                .containsEntry(HandlerLogContext.MAPPING, "orders-mapping")
                .containsEntry(HandlerLogContext.PARTITION, "orders"));
    }
}
