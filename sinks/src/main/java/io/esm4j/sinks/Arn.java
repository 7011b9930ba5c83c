package io.esm4j.sinks;

/**
 * The six parts of an ARN, {@code arn:<partition>:<service>:<region>:<account>:<resource>}; the resource keeps any
 * ':' or '/' it has.
 */
record Arn(String partition, String service, String region, String account, String resource) {

    /** The parts of {@code value}, or null if it is not an ARN with a partition, a service and a resource. */
    static Arn parse(String value) {
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
