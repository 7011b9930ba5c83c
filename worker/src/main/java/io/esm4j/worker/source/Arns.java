package io.esm4j.worker.source;

import org.jspecify.annotations.Nullable;

/** The parts of an ARN that pick a source: {@code arn:<partition>:<service>:<region>:<account>:<resource>}. */
record Arns(String service, String region, String account, String resource) {

    static @Nullable Arns parse(String arn) {
        String[] parts = arn.split(":", 6);
        if (parts.length < 6 || !parts[0].equals("arn")) {
            return null;
        }
        return new Arns(parts[2], parts[3], parts[4], parts[5]);
    }
}
