package io.esm4j.example;

import io.esm4j.QueueEventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.queue.QueueMessage;
import io.esm4j.settings.QueueSettings;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.SqsLikeMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The queue engine's example: an in-memory SQS-like queue with a redrive policy, and a handler that reports one
 * message as failed every time. The good messages are deleted; the failed one comes back after each visibility
 * timeout with a rising receive count until the redrive policy moves it to the dead-letter queue.
 */
public final class QueueExample {

    private QueueExample() {}

    public static void main(String[] args) throws InterruptedException {
        InMemoryQueue deadLetters = InMemoryQueue.standard("payments-dlq").build();
        InMemoryQueue queue = InMemoryQueue.standard("payments").visibilityTimeout(Duration.ofSeconds(1))
                .deadLetterQueue(deadLetters, 3).build();
        for (int i = 0; i < 12; i++) {
            queue.send(i == 7 ? "payment-7 (malformed)" : "payment-" + i);
        }
        System.out.println("12 messages; payment-7 always fails; visibility timeout 1 s; redrive after 3 receives");
        System.out.println();

        QueueEventSourceMapping<SqsLikeMessage> mapping = QueueEventSourceMapping.<SqsLikeMessage>builder("payments",
                queue, batch -> {
                    List<String> failed = new ArrayList<>();
                    for (QueueMessage<SqsLikeMessage> message : batch.records()) {
                        if (message.payload().body().contains("malformed")) {
                            failed.add(message.messageId());
                        }
                    }
                    System.out.printf("invoke %2d messages %s  -> failed: %s%n", batch.size(),
                            batch.records().stream().map(m -> m.payload().body() + " (receive #"
                                    + m.payload().attribute("ApproximateReceiveCount") + ")").toList(),
                            failed.isEmpty() ? "none" : "1 (reported with ReportBatchItemFailures)");
                    return BatchResult.failures(failed);
                })
                .settings(QueueSettings.builder().batchSize(10).reportBatchItemFailures(true)
                        .receiveWaitTime(Duration.ofMillis(500)).build())
                .build();
        mapping.start();
        while (deadLetters.size() == 0) {
            Thread.sleep(100);
        }
        mapping.stop(Duration.ofSeconds(10));
        System.out.println();
        System.out.println("queue now holds " + queue.size() + " messages; dead-letter queue holds "
                + deadLetters.peekAll().stream().map(m -> m.body() + " (source "
                + m.attribute("DeadLetterQueueSourceArn") + ")").toList());
    }
}
