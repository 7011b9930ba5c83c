package io.esm4j.sinks.sns;

import java.util.Map;

/**
 * A message a topic accepted, as the Publish request gave it.
 *
 * @param messageAttributes per attribute name: {@code DataType}, and {@code StringValue} or {@code BinaryValue}
 */
public record PublishedMessage(String messageId, String topicArn, String message, String subject,
                               String messageStructure, Map<String, Map<String, String>> messageAttributes,
                               String messageGroupId) {}
