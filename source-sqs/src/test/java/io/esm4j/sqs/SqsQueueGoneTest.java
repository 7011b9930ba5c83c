package io.esm4j.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.QueueEventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.testsupport.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;

/** A queue deleted while its mapping runs, with a message in flight, then created again under the same name. */
class SqsQueueGoneTest extends ElasticMqFixture {

    /**
     * Already fine, kept because it is cheap: the message in flight cannot be deleted (a WARN), the pollers' failed
     * receives are the mapping's PROBLEM naming the missing queue, each poller logs one WARN for the whole run and backs
     * off, and once the queue exists again the next message is handled, the problem clears and each poller says it
     * works again. Short polls: ElasticMQ leaves a long poll on a queue deleted meanwhile open for some 20 s, which
     * stop() waits for.
     */
    @Test
    void aDeletedQueueIsAProblemLoggedOnceAndAQueueCreatedAgainIsRead() throws Exception {
        String name = "gone-" + shortId();
        String url = sqs.createQueue(r -> r.queueName(name)).queueUrl();
        AtomicInteger failedReceives = new AtomicInteger();
        SqsClient counted = extraClient(new ExecutionInterceptor() {
            @Override
            public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof ReceiveMessageRequest) {
                    failedReceives.incrementAndGet();
                }
            }
        });
        List<String> handled = new CopyOnWriteArrayList<>();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch deleted = new CountDownLatch(1);
        try (LogCapture log = new LogCapture(Class.forName("io.esm4j.internal.queue.QueuePoller"),
                Class.forName("io.esm4j.internal.queue.QueueCalls"), SqsQueueSource.class)) {
            QueueEventSourceMapping<SqsMessage> mapping = start(SqsQueueSource.of(counted, url), settings().receiveWaitTime(Duration.ZERO)
                    .idlePollInterval(Duration.ofMillis(100)), batch -> {
                if (batch.records().stream().anyMatch(m -> m.payload().body().equals("in flight"))) {
                    entered.countDown();
                    deleted.await(30, TimeUnit.SECONDS);
                }
                batch.records().forEach(m -> handled.add(m.payload().body()));
                return BatchResult.success();
            });
            queues.send(url, "in flight");
            assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
            sqs.deleteQueue(r -> r.queueUrl(url));
            deleted.countDown();

            eventually().until(() -> failedReceives.get() >= 5);
            assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: ").contains(
                    "SQS Error Code: " + SqsErrors.NON_EXISTENT_QUEUE + ". Queue " + url + " does not exist");
            assertThat(log.lines("WARN", "the poller restarts after the backoff")).hasSizeBetween(1, 2);
            assertThat(log.lines("WARN", "giving up on entries")).hasSize(1);

            assertThat(sqs.createQueue(r -> r.queueName(name)).queueUrl()).isEqualTo(url);
            queues.send(url, "after");
            eventually().until(() -> handled.contains("after") && !mapping.stateTransitionReason().startsWith("PROBLEM"));
            eventually().until(() -> !log.lines("INFO", "the poller works again").isEmpty());
        }
    }
}
