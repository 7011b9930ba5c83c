package io.esm4j.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.MappingState;
import io.esm4j.QueueEventSourceMapping;
import io.esm4j.QueueStopResult;
import io.esm4j.filter.FilterCriteria;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.metrics.MetricNames;
import io.esm4j.queue.EntryFailure;
import io.esm4j.queue.QueueMessage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageResponse;

/**
 * The SQS source against a real SQS server, the same test methods for every server a subclass of {@link SqsFixture}
 * provides. Every test makes its own queues, so tests do not see each other's messages. Time appears only as
 * liveness bounds (30 s) and as the queues' visibility timeouts, never in an assertion.
 */
abstract class SqsSourceSuite extends SqsFixture {

    private static final ObjectMapper JSON = new ObjectMapper();

    // --- one message, the record's shape ---

    @Test
    void deliversOneMessageAsOneLambdaShapedRecordAndDeletesIt() throws Exception {
        String url = queues.standard("one", 30);
        SendMessageResponse sent = sqs.sendMessage(r -> r.queueUrl(url).messageBody("hello").messageAttributes(Map.of(
                "Text", MessageAttributeValue.builder().dataType("String").stringValue("value").build(),
                "Amount", MessageAttributeValue.builder().dataType("Number").stringValue("42").build(),
                "Blob", MessageAttributeValue.builder().dataType("Binary")
                        .binaryValue(SdkBytes.fromUtf8String("bytes")).build())));
        List<List<SqsMessage>> batches = new CopyOnWriteArrayList<>();
        QueueEventSourceMapping<SqsMessage> mapping = start(url, settings(), batch -> {
            batches.add(batch.records().stream().map(QueueMessage::payload).toList());
            return BatchResult.success();
        });

        eventually().until(() -> batches.size() == 1 && queues.messagesLeft(url) == 0);
        mapping.stop(Duration.ofSeconds(30));

        assertThat(batches).hasSize(1);
        SqsMessage record = batches.getFirst().getFirst();
        String arn = queues.arn(url);
        assertThat(record.messageId()).isEqualTo(sent.messageId());
        assertThat(record.receiptHandle()).isNotBlank();
        assertThat(record.body()).isEqualTo("hello");
        assertThat(record.attributes()).containsEntry("ApproximateReceiveCount", "1")
                .containsKeys("SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp");
        assertThat(List.copyOf(record.attributes().keySet())).containsSubsequence("ApproximateReceiveCount",
                "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp");
        assertThat(record.attributes().get("SentTimestamp")).containsOnlyDigits();
        assertThat(record.messageAttributes()).containsOnlyKeys("Text", "Amount", "Blob");
        assertThat(record.messageAttributes().get("Text"))
                .isEqualTo(SqsMessageAttribute.ofString("String", "value"));
        assertThat(record.messageAttributes().get("Amount"))
                .isEqualTo(SqsMessageAttribute.ofString("Number", "42"));
        assertThat(record.messageAttributes().get("Blob"))
                .isEqualTo(SqsMessageAttribute.ofBinary("Binary", "bytes".getBytes(StandardCharsets.UTF_8)));
        assertThat(record.md5OfBody()).isEqualTo(sent.md5OfMessageBody());
        assertThat(record.md5OfMessageAttributes()).isEqualTo(sent.md5OfMessageAttributes()).isNotNull();
        assertThat(record.eventSource()).isEqualTo("aws:sqs");
        assertThat(record.eventSourceArn()).isEqualTo(arn);
        assertThat(record.awsRegion()).isEqualTo(arn.split(":")[3]);

        JsonNode json = JSON.readTree(SqsEventJson.write(List.of(record))).get("Records").get(0);
        assertThat(fieldNames(json)).containsExactly("messageId", "receiptHandle", "body", "attributes",
                "messageAttributes", "md5OfMessageAttributes", "md5OfBody", "eventSource", "eventSourceARN",
                "awsRegion");
        JsonNode blob = json.get("messageAttributes").get("Blob");
        assertThat(fieldNames(blob))
                .containsExactly("binaryValue", "stringListValues", "binaryListValues", "dataType");
        assertThat(blob.get("binaryValue").asText())
                .isEqualTo(Base64.getEncoder().encodeToString("bytes".getBytes(StandardCharsets.UTF_8)));
        assertThat(mapping.lastProcessingResult()).isEqualTo("OK");
    }

    // --- failures: visibility timeout, receive count, redrive DLQ ---

    @Test
    void failedMessageComesBackWithRisingReceiveCountThenGoesToTheRedriveDlq() {
        String dlq = queues.standard("dlq", 30);
        String url = queues.withRedrive("redrive", 1, dlq, 3);
        queues.send(url, "poison");
        List<Integer> receiveCounts = new CopyOnWriteArrayList<>();
        QueueEventSourceMapping<SqsMessage> mapping = start(url, settings(), batch -> {
            batch.records().forEach(m -> receiveCounts.add(m.payload().approximateReceiveCount()));
            throw new IllegalStateException("this handler fails every message");
        });

        AtomicReference<List<Message>> inDlq = new AtomicReference<>(List.of());
        eventually().until(() -> {
            inDlq.set(queues.receive(dlq, 1));
            return !inDlq.get().isEmpty();
        });

        assertThat(inDlq.get()).singleElement().extracting(Message::body).isEqualTo("poison");
        assertThat(receiveCounts).containsExactly(1, 2, 3);
        assertThat(mapping.lastProcessingResult()).isEqualTo("PROBLEM: Function call failed");
        assertThat(queues.messagesLeft(url)).isZero();
    }

    @Test
    void immediateRetryBringsAFailedMessageBackWithoutWaitingOutItsVisibilityTimeout() {
        String url = queues.standard("retry-now", 600);
        queues.send(url, "flaky");
        List<Integer> receiveCounts = new CopyOnWriteArrayList<>();
        started(QueueEventSourceMapping.<SqsMessage>builder("retry-" + shortId(), SqsQueueSource.of(sqs, url),
                        batch -> {
                            batch.records().forEach(m -> receiveCounts.add(m.payload().approximateReceiveCount()));
                            if (receiveCounts.size() < 3) {
                                throw new IllegalStateException("fails twice");
                            }
                            return BatchResult.success();
                        })
                .settings(settings().build())
                .failedMessageVisibility(SqsRetryDelay.immediately())
                .build());

        // With a 10-minute visibility timeout, only the immediate retry can bring it back within the wait.
        eventually().until(() -> queues.messagesLeft(url) == 0 && receiveCounts.size() == 3);
        assertThat(receiveCounts).containsExactly(1, 2, 3);
    }

    @Test
    void partialFailureDeletesOnlyTheMessagesThatSucceeded() {
        String url = queues.standard("partial", 2);
        List<String> bodies = List.of("ok-0", "ok-1", "fail-0", "ok-2", "ok-3", "fail-1", "ok-4", "ok-5", "fail-2");
        queues.sendAll(url, bodies);
        Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
        // A handler written for Lambda, run unchanged: it fails each fail-* message on its first delivery.
        RequestHandler<SQSEvent, SQSBatchResponse> function = (SQSEvent event, Context context) -> {
            List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
            for (SQSEvent.SQSMessage message : event.getRecords()) {
                handled.computeIfAbsent(message.getBody(), b -> new AtomicInteger()).incrementAndGet();
                if (message.getBody().startsWith("fail")
                        && message.getAttributes().get("ApproximateReceiveCount").equals("1")) {
                    failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
                }
            }
            return new SQSBatchResponse(failures);
        };
        start(url, settings().reportBatchItemFailures(true), SqsLambdaAdapter.of(function));

        eventually().until(() -> queues.messagesLeft(url) == 0 && handled.size() == bodies.size()
                && bodies.stream().filter(b -> b.startsWith("fail")).allMatch(b -> handled.get(b).get() == 2));

        bodies.forEach(body -> assertThat(handled.get(body)).as(body).hasValue(body.startsWith("fail") ? 2 : 1));
    }

    @ParameterizedTest(name = "itemIdentifier {0}")
    @NullSource
    @ValueSource(strings = {"", "no-such-message-id"})
    void malformedBatchItemFailuresFailTheWholeBatch(String itemIdentifier) {
        String url = queues.standard("malformed", 1);
        List<String> bodies = List.of("a", "b", "c", "d");
        queues.sendAll(url, bodies);
        Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
        // Answers a malformed response while the batch holds a first delivery; every message must therefore come
        // back at least once, whichever batches the pollers form.
        start(url, settings().reportBatchItemFailures(true), SqsLambdaAdapter.of(event -> {
            boolean firstDelivery = false;
            for (SQSEvent.SQSMessage message : event.getRecords()) {
                handled.computeIfAbsent(message.getBody(), b -> new AtomicInteger()).incrementAndGet();
                firstDelivery |= message.getAttributes().get("ApproximateReceiveCount").equals("1");
            }
            return firstDelivery
                    ? new SQSBatchResponse(List.of(new SQSBatchResponse.BatchItemFailure(itemIdentifier)))
                    : null;
        }));

        eventually().until(() -> queues.messagesLeft(url) == 0 && handled.size() == bodies.size());

        bodies.forEach(body -> assertThat(handled.get(body).get()).as(body).isGreaterThanOrEqualTo(2));
    }

    // --- batching ---

    @Test
    void batchSizeFifteenWithAWindowDeliversAllFifteenInOneInvocation() {
        String url = queues.standard("window", 30);
        List<String> ids = queues.sendAll(url, IntStream.range(0, 15).mapToObj(i -> "m-" + i).toList());
        List<List<String>> batches = new CopyOnWriteArrayList<>();
        // All 15 are in the queue before the mapping starts, so two receives gather them well within 3 s; a longer
        // window would only make stop() wait longer for the next gathering's long poll (as long as the window).
        start(new SinglePollerSource(SqsQueueSource.of(sqs, url)),
                settings().batchSize(15).maximumBatchingWindow(Duration.ofSeconds(3)),
                batch -> {
                    batches.add(batch.records().stream().map(QueueMessage::messageId).toList());
                    return BatchResult.success();
                });

        eventually().until(() -> !batches.isEmpty() && queues.messagesLeft(url) == 0);

        assertThat(batches).singleElement().satisfies(batch -> assertThat(batch).containsExactlyInAnyOrderElementsOf(ids));
    }

    // --- FIFO ---

    @Test
    void fifoKeepsEachGroupInOrderAndAFailingGroupDoesNotBlockTheOthers() {
        String url = queues.fifo("groups", 1);
        Map<String, List<Integer>> processed = new ConcurrentHashMap<>();
        List.of("A", "B", "C").forEach(g -> processed.put(g, new CopyOnWriteArrayList<>()));
        AtomicInteger failuresOfB2 = new AtomicInteger();
        // B-2 fails on its first delivery, and then for as long as groups A and C (sent only after that first
        // failure) are not done: the test can only finish if B's failure does not hold them up.
        BatchHandler<QueueMessage<SqsMessage>> handler = batch -> {
            List<String> failed = new ArrayList<>();
            Set<String> stopped = new HashSet<>();
            for (QueueMessage<SqsMessage> message : batch.records()) {
                String group = message.messageGroupId();
                String body = message.payload().body();
                boolean othersDone = processed.get("A").size() == 5 && processed.get("C").size() == 5;
                if (body.equals("B-2") && (failuresOfB2.get() == 0 || !othersDone)) {
                    failuresOfB2.incrementAndGet();
                    stopped.add(group);
                }
                if (stopped.contains(group)) {
                    failed.add(message.messageId()); // the failed message and the rest of its group
                } else {
                    processed.get(group).add(Integer.parseInt(body.substring(2)));
                }
            }
            return BatchResult.failures(failed);
        };
        sendGroups(url, List.of("B"));
        start(url, settings().reportBatchItemFailures(true), handler);
        eventually().until(() -> failuresOfB2.get() > 0);
        sendGroups(url, List.of("A", "C"));

        eventually().until(() -> processed.values().stream().allMatch(p -> p.size() == 5)
                && queues.messagesLeft(url) == 0);

        assertThat(processed).allSatisfy((group, order) -> assertThat(order).as(group).containsExactly(0, 1, 2, 3, 4));
    }

    private void sendGroups(String url, List<String> groups) {
        for (int i = 0; i < 5; i++) {
            for (String group : groups) {
                queues.sendToGroup(url, group, group + "-" + i);
            }
        }
    }

    // --- filter ---

    @Test
    void filteredOutMessagesAreDeletedWithoutAnInvocation() {
        String url = queues.standard("filter", 30);
        queues.sendAll(url, List.of("keep-0", "skip-0", "keep-1", "skip-1", "keep-2", "skip-2"));
        List<String> handled = new CopyOnWriteArrayList<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        QueueEventSourceMapping<SqsMessage> mapping = QueueEventSourceMapping.builder("filter-" + shortId(),
                        SqsQueueSource.of(sqs, url), batch -> {
                            batch.records().forEach(m -> handled.add(m.payload().body()));
                            return BatchResult.success();
                        })
                .settings(settings().build())
                .filterCriteria(FilterCriteria.of(List.of("{\"body\":[{\"prefix\":\"keep\"}]}")))
                .meterRegistry(registry)
                .build();
        started(mapping);

        // The queue is empty as soon as SQS has deleted; the count follows when the delete's answer is back.
        eventually().until(() -> handled.size() == 3 && queues.messagesLeft(url) == 0
                && registry.get(MetricNames.DELETED_EVENT_COUNT).counter().count() >= 6);

        assertThat(handled).containsExactlyInAnyOrder("keep-0", "keep-1", "keep-2");
        assertThat(registry.get(MetricNames.FILTERED_OUT_EVENT_COUNT).counter().count()).isEqualTo(3);
        assertThat(registry.get(MetricNames.DELETED_EVENT_COUNT).counter().count()).isEqualTo(6);
    }

    // --- visibility heartbeat ---

    @Test
    void heartbeatKeepsAHandlerRunningTwiceTheVisibilityTimeoutFromRedelivery() {
        String url = queues.standard("heartbeat", 2);
        queues.send(url, "slow");
        AtomicInteger invocations = new AtomicInteger();
        List<Message> seenByAnotherConsumer = new CopyOnWriteArrayList<>();
        CountDownLatch handlerDone = new CountDownLatch(1);
        // The handler runs about 5 s (2.5 × the visibility timeout): it spends that time as another consumer of
        // the same queue, long-polling 1 s at a time, which would receive the message if it became visible.
        start(url, settings(), batch -> {
            invocations.incrementAndGet();
            for (int i = 0; i < 5; i++) {
                seenByAnotherConsumer.addAll(queues.receive(url, 1));
            }
            handlerDone.countDown();
            return BatchResult.success();
        });

        eventually().until(() -> handlerDone.getCount() == 0);
        assertThat(seenByAnotherConsumer).isEmpty();
        eventually().until(() -> queues.messagesLeft(url) == 0);
        assertThat(invocations).hasValue(1);
    }

    // --- stop ---

    @Test
    void stopDeletesWhatWasHandledAndStopsPolling() throws Exception {
        String url = queues.standard("stop", 30);
        queues.sendAll(url, List.of("m-0", "m-1", "m-2", "m-3", "m-4"));
        ReceiveCounter receives = new ReceiveCounter();
        SqsClient mappingClient = extraClient(receives);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> handled = new CopyOnWriteArrayList<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        QueueEventSourceMapping<SqsMessage> mapping = started(QueueEventSourceMapping.builder("stop-" + shortId(),
                        SqsQueueSource.of(mappingClient, url), batch -> {
                            entered.countDown();
                            release.await();
                            batch.records().forEach(m -> handled.add(m.payload().body()));
                            return BatchResult.success();
                        })
                .settings(settings().build()).meterRegistry(registry).build());
        eventually().until(() -> entered.getCount() == 0);
        // Taken now: stop() removes the mapping's meters from the registry, and a removed counter keeps its count.
        Counter pollingErrors = registry.get(MetricNames.POLLING_ERROR_COUNT).counter();

        AtomicReference<QueueStopResult> stopped = new AtomicReference<>();
        Thread stopper = Thread.ofVirtual().start(() -> {
            try {
                stopped.set(mapping.stop(Duration.ofSeconds(30)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        eventually().until(() -> mapping.state() == MappingState.DISABLING);
        release.countDown();
        stopper.join();

        // Right when stop() returns: what was handled is deleted, nothing is in flight, and every thread that ever
        // received for the mapping has ended, so no receive can follow.
        assertThat(stopped.get().drainedInTime()).isTrue();
        assertThat(stopped.get().deleteFailures()).isZero();
        assertThat(receives.inFlight()).isZero();
        assertThat(receives.receivingThreads()).isNotEmpty().noneMatch(Thread::isAlive);
        assertThat(handled).isNotEmpty();
        assertThat(queues.messagesLeft(url)).isEqualTo(5 - handled.size());
        assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);
        // Interrupting the long polls is part of stopping, not a polling error.
        assertThat(pollingErrors.count()).isZero();
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void stopShorterThanTheLongPollLeavesNoMessageHiddenByTheStillOpenPoll() throws Exception {
        // A message hidden by a poll nobody reads would stay hidden for an hour.
        String url = queues.standard("abandoned", 3600);
        ReceiveCounter receives = new ReceiveCounter();
        List<String> handled = new CopyOnWriteArrayList<>();
        QueueEventSourceMapping<SqsMessage> mapping = start(
                new SinglePollerSource(SqsQueueSource.of(extraClient(receives), url)),
                settings().receiveWaitTime(Duration.ofSeconds(10)), batch -> {
                    batch.records().forEach(m -> handled.add(m.payload().body()));
                    return BatchResult.success();
                });
        eventually().until(() -> receives.inFlight() == 1);

        QueueStopResult stopped = mapping.stop(Duration.ofMillis(100));
        assertThat(stopped.drainedInTime()).isTrue();
        assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);

        queues.send(url, "after-stop");
        List<Message> received = new ArrayList<>();
        eventually().until(() -> {
            received.addAll(queues.receive(url, 1));
            return !received.isEmpty();
        });
        assertThat(received).singleElement().satisfies(message -> assertThat(message.attributes()
                .get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).isIn("1", "2"));
        assertThat(handled).isEmpty();
    }

    // --- errors ---

    /** By ARN, as a Lambda mapping names its queue: GetQueueUrl with the ARN's account, in the ARN's region only. */
    @Test
    void aSourceByArnFindsItsQueueAndRefusesAnArnOfAnotherRegion() {
        String url = queues.standard("by-arn", 30);
        assertThat(SqsQueueSource.ofArn(sqs, queues.arn(url)).queueUrl()).isEqualTo(url);

        try (SqsClient usEast = SqsClient.builder().region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .build()) {
            assertThatThrownBy(() -> SqsQueueSource.ofArn(usEast, "arn:aws:sqs:eu-west-1:123456789012:orders"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is in region eu-west-1").hasMessageContaining("for region us-east-1");
        }
        assertThatThrownBy(() -> SqsQueueSource.ofArn(sqs, "arn:aws:sns:us-east-1:123456789012:topic"))
                .hasMessageContaining("must be an SQS queue ARN");
    }

    @Test
    void missingQueueShowsInStateTransitionReasonAndTheMappingRecoversOnceItExists() {
        String name = "missing-" + shortId();
        String url = queues.urlOfMissing(queues.standard("exists", 30), name);
        List<String> handled = new CopyOnWriteArrayList<>();
        QueueEventSourceMapping<SqsMessage> mapping = start(url, settings(), batch -> {
            batch.records().forEach(m -> handled.add(m.payload().body()));
            return BatchResult.success();
        });

        eventually().until(() -> mapping.stateTransitionReason().contains(
                "SQS Error Code: AWS.SimpleQueueService.NonExistentQueue"));
        assertThat(mapping.stateTransitionReason()).contains(url).contains("does not exist");
        assertThat(mapping.state()).isEqualTo(MappingState.ENABLED);

        assertThat(sqs.createQueue(r -> r.queueName(name)).queueUrl()).isEqualTo(url);
        queues.send(url, "late");
        eventually().until(() -> handled.contains("late"));
    }

    // --- the SPI calls themselves ---

    @Test
    void batchCallsUsePositionalIdsAndReportEachRefusedEntry() throws Exception {
        String url = queues.standard("entries", 30);
        queues.sendAll(url, List.of("a", "b"));
        SqsQueueSource source = SqsQueueSource.of(sqs, url);
        List<QueueMessage<SqsMessage>> received = receiveAll(source, 2);
        QueueMessage<SqsMessage> first = received.get(0);
        QueueMessage<SqsMessage> bogus = new QueueMessage<>("bogus", "not-a-receipt-handle", null, 0, first.payload());

        List<EntryFailure> deleteFailures = source.delete(List.of(first, bogus, received.get(1)));

        assertThat(deleteFailures).singleElement().satisfies(failure -> {
            assertThat(failure.index()).isEqualTo(1);
            assertThat(failure.senderFault()).isTrue();
            assertThat(failure.code()).isNotBlank();
        });
        assertThat(queues.messagesLeft(url)).isZero();

        queues.send(url, "c");
        QueueMessage<SqsMessage> c = receiveAll(source, 1).getFirst();
        // The same message twice in one call, as a standard queue may return it: no BatchEntryIdsNotDistinct.
        assertThat(source.changeVisibility(List.of(c, c), Duration.ZERO)).isEmpty();
        assertThat(receiveAll(source, 1).getFirst().payload().approximateReceiveCount()).isEqualTo(2);
        assertThat(source.visibilityTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(source.queueArn()).isEqualTo(queues.arn(url));
        assertThat(source.fifo()).isFalse();
        assertThat(SqsQueueSource.of(sqs, queues.fifo("fifo", 30)).fifo()).isTrue();
    }

    /**
     * A FIFO receive whose answer is lost on the network: the SDK retries it, and only with the same
     * ReceiveRequestAttemptId does SQS hand out the messages the lost answer held. Without one, they stay in flight
     * for the visibility timeout (here an hour) and their group is locked all that time.
     */
    @Test
    void aFifoReceiveRetriedAfterALostAnswerGetsTheSameMessages() throws Exception {
        String url = queues.fifo("lost-answer", 3600);
        queues.sendToGroup(url, "g", "g-0");
        queues.sendToGroup(url, "g", "g-1");
        FaultyReceives http = new FaultyReceives(FaultyReceives.Fault.LOSE_ANSWER, 1);
        SqsQueueSource source = SqsQueueSource.of(faultyClient(http), url);

        List<QueueMessage<SqsMessage>> received = source.receive(10, Duration.ofSeconds(1));

        assertThat(http.receives()).isEqualTo(2);
        assertThat(received).extracting(m -> m.payload().body()).containsExactly("g-0", "g-1");
    }

    /**
     * A receive that fails below the SDK with an InterruptedIOException that is no interrupt (Apache's connection
     * pool and connect timeouts are ones) is a receive error like any other: the pollers count it, back off and poll
     * again, instead of taking it for stop() and ending.
     */
    @Test
    void pollersOutliveReceivesThatTimeOutWaitingForAPooledConnection() {
        String url = queues.standard("pool-timeout", 30);
        // Enough failed attempts that, after the SDK's own retries, each of the two pollers has a receive fail.
        FaultyReceives http = new FaultyReceives(FaultyReceives.Fault.POOL_TIMEOUT, 16);
        List<String> handled = new CopyOnWriteArrayList<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        started(QueueEventSourceMapping.builder("pool-" + shortId(), SqsQueueSource.of(faultyClient(http), url),
                        batch -> {
                            batch.records().forEach(m -> handled.add(m.payload().body()));
                            return BatchResult.success();
                        })
                .settings(settings().build()).meterRegistry(registry).build());
        Counter pollingErrors = registry.get(MetricNames.POLLING_ERROR_COUNT).counter();

        eventually().until(() -> http.receives() > 16);
        queues.sendAll(url, List.of("m-0", "m-1", "m-2"));

        eventually().until(() -> handled.size() == 3);
        assertThat(pollingErrors.count()).isPositive();
    }

    private SqsClient faultyClient(FaultyReceives http) {
        SqsClient client = SqsClient.builder().httpClient(http)
                .endpointOverride(sqs.serviceClientConfiguration().endpointOverride().orElseThrow())
                .region(sqs.serviceClientConfiguration().region())
                .credentialsProvider(sqs.serviceClientConfiguration().credentialsProvider()).build();
        closeAfterTest(client);
        return client;
    }

    /** Field names of a JSON object in document order. */
    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
