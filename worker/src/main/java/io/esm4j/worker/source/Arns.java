package io.esm4j.worker.source;

import org.jspecify.annotations.Nullable;

/** The parts of an ARN that pick a source: {@code arn:<partition>:<service>:<region>:<account>:<resource>}. */
record Arns(String service, String region, String account, String resource) {

    /**
     * Whether the account is an AWS account id, 12 digits, as Lambda's ARN pattern requires: a queue URL or a stream
     * call built from another would fail every start. (The region is not checked: local servers such as ElasticMQ
     * name their own.)
     */
    boolean hasAccount() {
        return account.matches("\\d{12}");
    }

    static @Nullable Arns parse(String arn) {
        String[] parts = arn.split(":", 6);
        if (parts.length < 6 || !parts[0].equals("arn")) {
            return null;
        }
        return new Arns(parts[2], parts[3], parts[4], parts[5]);
    }
}
