package io.esm4j.worker.local;

import io.esm4j.worker.WorkerOptions;
import java.net.URI;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** SQS in this process (ElasticMQ): one queue mapped to a Java handler, one to the HTTP function. */
final class SqsDemo implements DemoSource {

    private final ElasticMq server;
    private final SqsClient sqs;
    private final DemoHttpFunction httpFunction;
    private final String javaQueue;
    private final String httpQueue;

    private SqsDemo(ElasticMq server, SqsClient sqs, DemoHttpFunction httpFunction) {
        this.server = server;
        this.sqs = sqs;
        this.httpFunction = httpFunction;
        this.javaQueue = sqs.createQueue(r -> r.queueName("esm4j-demo-java")).queueUrl();
        this.httpQueue = sqs.createQueue(r -> r.queueName("esm4j-demo-http")).queueUrl();
    }

    static SqsDemo start(AwsCredentialsProvider credentials, DemoHttpFunction httpFunction)
            throws ReflectiveOperationException {
        ElasticMq server = ElasticMq.start();
        SqsClient sqs = SqsClient.builder().endpointOverride(server.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(credentials).build();
        try {
            return new SqsDemo(server, sqs, httpFunction);
        } catch (RuntimeException e) {
            sqs.close();
            server.close();
            throw e;
        }
    }

    @Override
    public String server() {
        return "SQS: ElasticMQ at " + server.endpoint();
    }

    @Override
    public String functions() {
        return """
                  demo-java:
                    Handler: %s
                    Timeout: 30
                  demo-http:
                    Url: %s
                    MaximumConcurrency: 4
                """.formatted(DemoHandler.class.getName(), httpFunction.url());
    }

    @Override
    public String mappings() {
        return """
                  - EventSourceArn: %s
                    FunctionName: demo-java
                    BatchSize: 5
                    MaximumBatchingWindowInSeconds: 1
                  - EventSourceArn: %s
                    FunctionName: demo-http
                    BatchSize: 5
                    FunctionResponseTypes: [ReportBatchItemFailures]
                """.formatted(arn(javaQueue), arn(httpQueue));
    }

    @Override
    public WorkerOptions configure(WorkerOptions options) {
        URI endpoint = server.endpoint();
        return options.withEndpoints(options.endpoints().with("sqs", endpoint));
    }

    @Override
    public void send() {
        for (int i = 1; i <= RECORDS; i++) {
            int n = i;
            sqs.sendMessage(r -> r.queueUrl(javaQueue).messageBody("order-" + n));
            sqs.sendMessage(r -> r.queueUrl(httpQueue).messageBody("payment-" + n));
        }
    }

    @Override
    public boolean done() {
        return DemoHandler.HANDLED.get() >= RECORDS && httpFunction.handled("aws:sqs").get() >= RECORDS;
    }

    @Override
    public String progress() {
        return DemoHandler.HANDLED.get() + " of " + RECORDS + " SQS messages reached the Java handler, "
                + httpFunction.handled("aws:sqs").get() + " of " + RECORDS + " the HTTP function";
    }

    @Override
    public void close() {
        sqs.close();
        server.close();
    }

    private String arn(String queueUrl) {
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes();
        return Objects.requireNonNull(attributes.get(QueueAttributeName.QUEUE_ARN),
                "GetQueueAttributes returns the QueueArn asked for");
    }
}
