package io.esm4j.queue;

import io.esm4j.QueueEventSourceMapping;
import io.esm4j.handler.BatchHandler;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.QueueSettings;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.SqsLikeMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One queue mapping per test, on a clock the test moves and a meter registry it reads, stopped after the test
 * whether it passed or not (a mapping left running would keep polling into the next test).
 * Register it with {@code @RegisterExtension}.
 */
final class QueueMappingFixture implements AfterEachCallback {

    final MutableClock clock = MutableClock.startingNow();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final String name;
    private @Nullable QueueEventSourceMapping<SqsLikeMessage> mapping;

    QueueMappingFixture(String name) {
        this.name = name;
    }

    QueueEventSourceMapping<SqsLikeMessage> start(QueueSource<SqsLikeMessage> source,
                                                  BatchHandler<QueueMessage<SqsLikeMessage>> handler,
                                                  QueueSettings settings) {
        return start(source, handler, settings, UnaryOperator.identity());
    }

    /** Builds with the fixture's name, meters and clock; {@code options} adds (or overrides) the rest. */
    QueueEventSourceMapping<SqsLikeMessage> start(
            QueueSource<SqsLikeMessage> source, BatchHandler<QueueMessage<SqsLikeMessage>> handler,
            QueueSettings settings, UnaryOperator<QueueEventSourceMapping.Builder<SqsLikeMessage>> options) {
        QueueEventSourceMapping<SqsLikeMessage> started = options.apply(QueueEventSourceMapping
                .builder(name, source, handler).settings(settings).meterRegistry(meters).clock(clock)).build();
        mapping = started;
        started.start();
        return started;
    }

    /** The mapping the test started last. */
    QueueEventSourceMapping<SqsLikeMessage> mapping() {
        if (mapping == null) {
            throw new IllegalStateException("no mapping started yet in this test");
        }
        return mapping;
    }

    /** The mapping's counter of that name (0 until it counts). */
    double count(String meter) {
        return meters.counter(meter, MetricNames.MAPPING_TAG, name).count();
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        if (mapping != null) {
            mapping.stop(Duration.ofSeconds(10));
        }
    }
}
