package io.esm4j.worker.local;

import io.esm4j.worker.Main;
import io.esm4j.worker.Worker;
import io.esm4j.worker.WorkerOptions;
import java.io.IOException;
import java.net.BindException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * {@code --local}: SQS in this process (ElasticMQ on a free loopback port), two queues, a mappings file with one
 * mapping to a Java handler and one to an HTTP function, and a few messages sent to each, printed as the functions
 * receive them. The worker keeps running afterwards (status page, metrics, Lambda's API) until Ctrl-C.
 */
public final class LocalMode {

    private static final int MESSAGES_PER_QUEUE = 10;

    private LocalMode() {}

    public static void run(WorkerOptions options, boolean exitAfterDemo) throws Exception {
        ElasticMq sqsServer = ElasticMq.start();
        URI sqsEndpoint = sqsServer.endpoint();
        StaticCredentialsProvider credentials = StaticCredentialsProvider.create(
                AwsBasicCredentials.create("local", "local"));
        DemoHttpFunction httpFunction = new DemoHttpFunction();
        Worker worker;
        try (SqsClient sqs = SqsClient.builder().endpointOverride(sqsEndpoint).region(Region.US_EAST_1)
                .credentialsProvider(credentials).build()) {
            String javaQueue = sqs.createQueue(r -> r.queueName("esm4j-demo-java")).queueUrl();
            String httpQueue = sqs.createQueue(r -> r.queueName("esm4j-demo-http")).queueUrl();
            Path dataDirectory = Files.createTempDirectory("esm4j-local-");
            Path file = dataDirectory.resolve("mappings.yaml");
            Files.writeString(file, """
                    # The local demo's mappings file; a real one has the same shape.
                    Endpoints:
                      sqs: %s
                    Functions:
                      demo-java:
                        Handler: %s
                        Timeout: 30
                      demo-http:
                        Url: %s
                        MaximumConcurrency: 4
                    EventSourceMappings:
                      - EventSourceArn: %s
                        FunctionName: demo-java
                        BatchSize: 5
                        MaximumBatchingWindowInSeconds: 1
                      - EventSourceArn: %s
                        FunctionName: demo-http
                        BatchSize: 5
                        FunctionResponseTypes: [ReportBatchItemFailures]
                    """.formatted(sqsEndpoint, DemoHandler.class.getName(), httpFunction.url(),
                    arn(sqs, javaQueue), arn(sqs, httpQueue)));
            System.out.println("esm4j local mode: ElasticMQ at " + sqsEndpoint + ", mappings file " + file);
            System.out.println(Files.readString(file));
            WorkerOptions local = options.withConfigFile(file).withDataDirectory(dataDirectory)
                    .withAws(Region.US_EAST_1, credentials)
                    .withEndpoints(options.endpoints().with("sqs", sqsEndpoint));
            worker = startOnFreePortIfTaken(local);
            for (int i = 1; i <= MESSAGES_PER_QUEUE; i++) {
                int n = i;
                sqs.sendMessage(r -> r.queueUrl(javaQueue).messageBody("order-" + n));
                sqs.sendMessage(r -> r.queueUrl(httpQueue).messageBody("payment-" + n));
            }
            System.out.println("sent " + MESSAGES_PER_QUEUE + " messages to each queue");
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while ((DemoHandler.HANDLED.get() < MESSAGES_PER_QUEUE || httpFunction.handled.get() < MESSAGES_PER_QUEUE)
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            boolean done = DemoHandler.HANDLED.get() >= MESSAGES_PER_QUEUE
                    && httpFunction.handled.get() >= MESSAGES_PER_QUEUE;
            System.out.println((done ? "done: " : "timed out: ") + DemoHandler.HANDLED.get() + " messages reached "
                    + "the Java handler, " + httpFunction.handled.get() + " the HTTP function");
            System.out.println("""
                    status page  %1$s/
                    metrics      %1$s/metrics
                    health       %1$s/health/ready
                    Lambda API   aws lambda list-event-source-mappings --endpoint-url %1$s --region us-east-1
                    """.formatted(worker.url()));
            if (exitAfterDemo || !done) {
                worker.close();
                httpFunction.close();
                sqsServer.close();
                System.exit(done ? 0 : 1);
            }
        }
        System.out.println("Ctrl-C stops the worker.");
        Main.runUntilSignalled(worker);
    }

    private static Worker startOnFreePortIfTaken(WorkerOptions options) throws IOException {
        try {
            return Worker.start(options);
        } catch (BindException e) {
            System.out.println("port " + options.port() + " is taken; using a free one");
            return Worker.start(options.withListen(options.bindAddress(), 0));
        }
    }

    private static String arn(SqsClient sqs, String queueUrl) {
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes();
        return attributes.get(QueueAttributeName.QUEUE_ARN);
    }
}
