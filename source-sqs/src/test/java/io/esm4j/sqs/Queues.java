package io.esm4j.sqs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/** Queue set-up and inspection for tests, through a plain client that no mapping uses. */
final class Queues {

    private final SqsClient sqs;

    Queues(SqsClient sqs) {
        this.sqs = sqs;
    }

    /** A new standard queue with a unique name and these attributes. */
    String standard(String prefix, Map<QueueAttributeName, String> attributes) {
        return sqs.createQueue(r -> r.queueName(uniqueName(prefix)).attributes(attributes)).queueUrl();
    }

    String standard(String prefix, int visibilityTimeoutSeconds) {
        return standard(prefix, Map.of(QueueAttributeName.VISIBILITY_TIMEOUT,
                Integer.toString(visibilityTimeoutSeconds)));
    }

    String fifo(String prefix, int visibilityTimeoutSeconds) {
        return sqs.createQueue(r -> r.queueName(uniqueName(prefix) + ".fifo").attributes(Map.of(
                QueueAttributeName.FIFO_QUEUE, "true",
                QueueAttributeName.CONTENT_BASED_DEDUPLICATION, "true",
                QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(visibilityTimeoutSeconds)))).queueUrl();
    }

    /** A standard queue whose redrive policy moves a message to {@code dlqUrl} after maxReceiveCount receives. */
    String withRedrive(String prefix, int visibilityTimeoutSeconds, String dlqUrl, int maxReceiveCount) {
        String policy = "{\"deadLetterTargetArn\":\"" + arn(dlqUrl) + "\",\"maxReceiveCount\":\"" + maxReceiveCount
                + "\"}";
        return standard(prefix, Map.of(QueueAttributeName.VISIBILITY_TIMEOUT,
                Integer.toString(visibilityTimeoutSeconds), QueueAttributeName.REDRIVE_POLICY, policy));
    }

    /** The URL a queue of this name would have, for a queue that does not exist (yet). */
    String urlOfMissing(String existingUrl, String name) {
        return existingUrl.substring(0, existingUrl.lastIndexOf('/') + 1) + name;
    }

    String arn(String queueUrl) {
        return sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
    }

    String send(String queueUrl, String body) {
        return sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(body)).messageId();
    }

    String sendToGroup(String queueUrl, String group, String body) {
        return sqs.sendMessage(r -> r.queueUrl(queueUrl).messageGroupId(group).messageBody(body)).messageId();
    }

    /** Sends the bodies in batches of 10; returns the message ids in the same order. */
    List<String> sendAll(String queueUrl, List<String> bodies) {
        List<String> ids = new ArrayList<>();
        for (int from = 0; from < bodies.size(); from += 10) {
            List<String> chunk = bodies.subList(from, Math.min(bodies.size(), from + 10));
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int i = 0; i < chunk.size(); i++) {
                entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i)).messageBody(chunk.get(i))
                        .build());
            }
            Map<String, String> byEntry = new HashMap<>();
            sqs.sendMessageBatch(r -> r.queueUrl(queueUrl).entries(entries)).successful()
                    .forEach(ok -> byEntry.put(ok.id(), ok.messageId()));
            for (int i = 0; i < chunk.size(); i++) {
                ids.add(byEntry.get(Integer.toString(i)));
            }
        }
        return ids;
    }

    /** Messages in the queue, visible or in flight (delayed ones excluded; tests send none). */
    int messagesLeft(String queueUrl) {
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    /** One receive as another consumer would do it, long-polling up to {@code waitSeconds}. */
    List<Message> receive(String queueUrl, int waitSeconds) {
        return sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(waitSeconds)
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL).messageAttributeNames("All"))
                .messages();
    }

    private static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
