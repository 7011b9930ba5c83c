package io.esm4j.sinks;

import org.jspecify.annotations.Nullable;

/**
 * The six parts of an ARN, {@code arn:<partition>:<service>:<region>:<account>:<resource>}; the resource keeps any
 * ':' or '/' it has.
 */
record Arn(String partition, String service, String region, String account, String resource) {

    /**
     * Whether the ARN names a region and a 12-digit account, as every SQS queue's and SNS topic's does. Without them,
     * a client would look the resource up in its own region or account, or have every call refused. The region is not
     * checked further: emulators name theirs their own way (ElasticMQ's {@code elasticmq}).
     */
    boolean regional() {
        return !region.isEmpty() && account.length() == 12 && account.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /** The parts of {@code value}, or null if it is not an ARN with a partition, a service and a resource. */
    static @Nullable Arn parse(@Nullable String value) {
        if (value == null) {
            return null;
        }
        String[] parts = value.split(":", 6);
        if (parts.length != 6 || !parts[0].equals("arn") || parts[1].isEmpty() || parts[2].isEmpty()
                || parts[5].isEmpty()) {
            return null;
        }
        return new Arn(parts[1], parts[2], parts[3], parts[4], parts[5]);
    }
}
