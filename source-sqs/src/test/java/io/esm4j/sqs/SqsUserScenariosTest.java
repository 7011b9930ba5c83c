package io.esm4j.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.QueueEventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.queue.QueueMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * What a user who knows Lambda's SQS mapping checks first: a FIFO group after a failure, a queue purged under a
 * running handler, and MaximumConcurrency under load. Against ElasticMQ in this JVM.
 */
class SqsUserScenariosTest extends ElasticMqFixture {

    /**
     * The handler names only G-2 as failed, though it went on with G-3 and G-4: the engine, not the handler, must keep
     * them, so that G-3 and G-4 are handled again after G-2 comes back and the group's last handling is in order.
     */
    @Test
    void aFifoGroupStopsAtAReportedFailureEvenWhenTheHandlerWentOn() {
        String url = queues.fifo("group-stop", 1);
        IntStream.range(0, 5).forEach(i -> queues.sendToGroup(url, "G", "G-" + i));
        List<String> seen = new CopyOnWriteArrayList<>();
        List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        start(url, settings().reportBatchItemFailures(true), batch -> {
            batchSizes.add(batch.records().size());
            List<String> failed = new ArrayList<>();
            for (QueueMessage<SqsMessage> message : batch.records()) {
                seen.add(message.payload().body());
                if (message.payload().body().equals("G-2")
                        && message.payload().attributes().get("ApproximateReceiveCount").equals("1")) {
                    failed.add(message.messageId());
                }
            }
            return BatchResult.failures(failed);
        });

        eventually().until(() -> queues.messagesLeft(url) == 0 && seen.stream().filter("G-2"::equals).count() == 2);

        assertThat(batchSizes.getFirst()).as("the whole group in the first batch").isEqualTo(5);
        assertThat(lastHandlingOrder(seen)).containsExactly("G-0", "G-1", "G-2", "G-3", "G-4");
        assertThat(seen.subList(seen.lastIndexOf("G-2"), seen.size())).containsSubsequence("G-2", "G-3", "G-4");
    }

    /** A thrown exception fails the whole batch (as in Lambda): every message of it comes back, the group in order. */
    @Test
    void aFifoBatchWhoseHandlerThrowsComesBackWholeAndInOrder() {
        String url = queues.fifo("group-throw", 1);
        IntStream.range(0, 5).forEach(i -> queues.sendToGroup(url, "G", "G-" + i));
        List<String> seen = new CopyOnWriteArrayList<>();
        AtomicInteger throwsLeft = new AtomicInteger(1);
        start(url, settings(), batch -> {
            List<String> bodies = batch.records().stream().map(m -> m.payload().body()).toList();
            seen.addAll(bodies);
            if (bodies.contains("G-2") && throwsLeft.getAndDecrement() > 0) {
                throw new IllegalStateException("fails the batch holding G-2, once");
            }
            return BatchResult.success();
        });

        eventually().until(() -> queues.messagesLeft(url) == 0 && seen.stream().filter("G-2"::equals).count() == 2);

        assertThat(seen).as("the whole group failed once, then went through in order")
                .containsExactly("G-0", "G-1", "G-2", "G-3", "G-4", "G-0", "G-1", "G-2", "G-3", "G-4");
    }

    /**
     * The queue is purged while a handler runs past half the visibility timeout: the heartbeat cannot extend the
     * purged message, and its delete fails. Both are problems of that batch only: once the next message is handled
     * and deleted, nothing is wrong and the state transition reason must say so, not keep the heartbeat's PROBLEM
     * for as long as no later handler runs long enough to beat.
     */
    @Test
    void aQueuePurgedUnderARunningHandlerLeavesNoProblemOnceTheNextBatchWorks() throws Exception {
        String url = queues.standard("purged", 2);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> handled = new CopyOnWriteArrayList<>();
        QueueEventSourceMapping<SqsMessage> mapping = start(url, settings(), batch -> {
            if (batch.records().stream().anyMatch(m -> m.payload().body().equals("slow"))) {
                entered.countDown();
                release.await(30, TimeUnit.SECONDS);
            }
            batch.records().forEach(m -> handled.add(m.payload().body()));
            return BatchResult.success();
        });
        queues.send(url, "slow");
        assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
        sqs.purgeQueue(r -> r.queueUrl(url));
        AtomicReference<String> seenProblem = new AtomicReference<>();
        eventually().until(() -> {
            seenProblem.set(mapping.stateTransitionReason());
            return seenProblem.get().startsWith("PROBLEM: visibility extension failed");
        });
        release.countDown();

        eventually().until(() -> handled.contains("slow"));
        queues.send(url, "next");
        eventually().until(() -> handled.contains("next") && queues.messagesLeft(url) == 0);
        eventually().untilAsserted(() -> assertThat(mapping.stateTransitionReason()).doesNotStartWith("PROBLEM"));
    }

    /**
     * MaximumConcurrency is the most batches in flight, under load too: 60 messages, 3 pollers. The first three
     * handlers wait for each other, so the cap is reached; no fourth runs beside them, or ever.
     */
    @Test
    void maximumConcurrencyCapsTheBatchesInFlightUnderLoad() {
        String url = queues.standard("concurrency", 30);
        queues.sendAll(url, IntStream.range(0, 60).mapToObj(i -> "m-" + i).toList());
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CountDownLatch firstThree = new CountDownLatch(3);
        List<String> handled = new CopyOnWriteArrayList<>();
        start(url, settings().maximumConcurrency(3).batchSize(2), batch -> {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                firstThree.countDown();
                firstThree.await(30, TimeUnit.SECONDS);
                batch.records().forEach(m -> handled.add(m.payload().body()));
                return BatchResult.success();
            } finally {
                inFlight.decrementAndGet();
            }
        });

        eventually().until(() -> handled.size() >= 60 && queues.messagesLeft(url) == 0);

        assertThat(firstThree.getCount()).isZero();
        assertThat(most).hasValue(3);
    }

    /** The last time each body was handed to the handler, in the order of those last times. */
    private static List<String> lastHandlingOrder(List<String> seen) {
        List<String> order = new ArrayList<>();
        for (int i = seen.size() - 1; i >= 0; i--) {
            if (!order.contains(seen.get(i))) {
                order.addFirst(seen.get(i));
            }
        }
        return order;
    }
}
