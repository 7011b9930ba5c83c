package io.esm4j.sqs;

import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** What the source reads about its queue once: its ARN, the region in it, and its visibility timeout. */
record QueueFacts(String arn, String region, Duration visibilityTimeout) {

    static QueueFacts of(String queueUrl, Map<QueueAttributeName, String> attributes) {
        String arn = attributes.get(QueueAttributeName.QUEUE_ARN);
        String[] parts = arn == null ? new String[0] : arn.split(":", -1);
        if (arn == null || parts.length < 6 || !parts[0].equals("arn")) {
            throw new IllegalStateException("SQS returned QueueArn '" + arn + "' for queue " + queueUrl
                    + "; expected arn:<partition>:sqs:<region>:<account>:<name>");
        }
        String visibility = attributes.get(QueueAttributeName.VISIBILITY_TIMEOUT);
        if (visibility == null) {
            throw new IllegalStateException("SQS returned no VisibilityTimeout for queue " + queueUrl);
        }
        return new QueueFacts(arn, parts[3], Duration.ofSeconds(Long.parseLong(visibility)));
    }
}
