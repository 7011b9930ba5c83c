package io.esm4j.kafka;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * A consumer interceptor (set through {@code interceptor.classes}) whose close, called as the consumer closes at the
 * end of a mapping's stop, waits until the test lets it go: the stop is held on its poll thread for as long as the
 * test likes, without a broker. Kafka instantiates it by name, so its latches are static; {@link #reset} arms them.
 */
public final class HeldCloseInterceptor implements ConsumerInterceptor<byte[], byte[]> {

    private static volatile CountDownLatch closing = new CountDownLatch(1);
    private static volatile CountDownLatch release = new CountDownLatch(1);

    static void reset() {
        closing = new CountDownLatch(1);
        release = new CountDownLatch(1);
    }

    /** Whether a consumer's close has reached this interceptor (and waits there). */
    static boolean closing() {
        return closing.getCount() == 0;
    }

    static void release() {
        release.countDown();
    }

    @Override
    public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
        return records;
    }

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
    }

    @Override
    public void close() {
        closing.countDown();
        boolean interrupted = false;
        while (true) {
            try {
                release.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }
}
