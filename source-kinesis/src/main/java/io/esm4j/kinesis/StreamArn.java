package io.esm4j.kinesis;

/**
 * The parts of a stream ARN that go into events: partition ({@code aws}, {@code aws-cn}, {@code aws-us-gov}),
 * region, account and name.
 */
record StreamArn(String text, String partition, String region, String account, String streamName) {

    private static final String CONSUMER = "/consumer/";

    /** The stream of a consumer ARN, {@code <stream ARN>/consumer/<name>:<timestamp>}. */
    static StreamArn ofConsumer(String consumerArn) {
        int consumer = consumerArn.indexOf(CONSUMER);
        int timestamp = consumerArn.lastIndexOf(':');
        if (consumer < 0 || timestamp < consumer + CONSUMER.length() + 1
                || timestamp == consumerArn.length() - 1) {
            throw new IllegalArgumentException("expected a Kinesis stream consumer ARN like arn:aws:kinesis:"
                    + "us-east-1:123456789012:stream/name/consumer/consumer-name:1525898737 but got '"
                    + consumerArn + "'");
        }
        return parse(consumerArn.substring(0, consumer));
    }

    static StreamArn parse(String text) {
        String[] parts = text.split(":", 6);
        if (parts.length != 6 || !parts[0].equals("arn") || !parts[2].equals("kinesis")
                || !parts[5].startsWith("stream/") || parts[5].length() == "stream/".length()
                || parts[5].indexOf('/', "stream/".length()) >= 0) {
            throw new IllegalArgumentException("expected a Kinesis stream ARN like "
                    + "arn:aws:kinesis:us-east-1:123456789012:stream/name but got '" + text + "'");
        }
        return new StreamArn(text, parts[1], parts[3], parts[4], parts[5].substring("stream/".length()));
    }
}
