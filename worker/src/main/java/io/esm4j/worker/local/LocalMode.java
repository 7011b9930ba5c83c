package io.esm4j.worker.local;

import io.esm4j.worker.Main;
import io.esm4j.worker.Worker;
import io.esm4j.worker.WorkerOptions;
import io.esm4j.worker.config.Endpoints;
import java.io.IOException;
import java.net.BindException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * {@code --local}: SQS (ElasticMQ) and Kafka (an embedded KRaft broker) in this process, and, where Node.js and
 * esm4j's test fixtures are at hand, Kinesis (kinesis-mock) with shard leases in DynamoDB (dynalite); all on
 * 127.0.0.1 and free ports. A mappings file maps each to a Java handler or an HTTP function, a few records are sent
 * to each and printed as the functions receive them. The worker keeps running afterwards (status page, metrics,
 * Lambda's API) until Ctrl-C.
 */
public final class LocalMode {

    private LocalMode() {}

    /**
     * How long local mode's stop waits for batches in flight, unless --drain-timeout says otherwise. A stop lets an
     * SQS long poll in progress finish (up to 20 s), lest SQS hand messages to an abandoned request; the demo's queues
     * live and die in this process, so its stop need not wait for that.
     */
    public static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(2);

    /** Where local mode sends what it runs no server for: the discard port, closed on an ordinary machine. */
    static final URI NO_SERVER = URI.create("http://127.0.0.1:9");

    /**
     * {@code endpoints} with every AWS service the worker calls that has none (local mode's servers set theirs) at
     * {@link #NO_SERVER}: nothing of local mode leaves the machine. A mapping, destination or function of such a
     * service (Kinesis and DynamoDB without Node.js, SNS, S3, Lambda, Secrets Manager, MSK, Glue) fails with
     * "connection refused" instead of calling AWS with local mode's made-up credentials.
     */
    public static Endpoints offline(Endpoints endpoints) {
        Endpoints offline = endpoints;
        for (String service : Endpoints.SERVICES) {
            if (offline.endpoint(service) == null) {
                offline = offline.with(service, NO_SERVER);
            }
        }
        return offline;
    }

    public static void run(WorkerOptions options, boolean exitAfterDemo) throws Exception {
        StaticCredentialsProvider credentials = StaticCredentialsProvider.create(
                AwsBasicCredentials.create("local", "local"));
        DemoHttpFunction httpFunction = new DemoHttpFunction();
        List<DemoSource> sources = new ArrayList<>();
        Worker worker = null;
        boolean done = false;
        try {
            sources.add(SqsDemo.start(credentials, httpFunction));
            sources.add(KafkaDemo.start());
            KinesisDemo kinesis = KinesisDemo.startIfPossible(credentials, httpFunction);
            if (kinesis != null) {
                sources.add(kinesis);
            }
            Path dataDirectory = Files.createTempDirectory("esm4j-local-");
            Path file = dataDirectory.resolve("mappings.yaml");
            Files.writeString(file, "# The local demo's mappings file; a real one has the same shape.\n"
                    + "Functions:\n" + sources.stream().map(DemoSource::functions).collect(Collectors.joining())
                    + "EventSourceMappings:\n" + sources.stream().map(DemoSource::mappings)
                    .collect(Collectors.joining()));
            System.out.println("esm4j local mode: mappings file " + file);
            sources.forEach(source -> System.out.println("  " + source.server()));
            System.out.println("  other AWS services: " + NO_SERVER + ", a closed port (local mode runs no server "
                    + "for them, and calls no AWS endpoint)");
            System.out.println(Files.readString(file));
            WorkerOptions local = options.withConfigFile(file).withDataDirectory(dataDirectory)
                    .withAws(Region.US_EAST_1, credentials);
            for (DemoSource source : sources) {
                local = source.configure(local);
            }
            local = local.withEndpoints(offline(local.endpoints()));
            worker = startOnFreePortIfTaken(local);
            for (DemoSource source : sources) {
                source.send();
            }
            System.out.println("sent " + DemoSource.RECORDS + " records to each mapping");
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (!sources.stream().allMatch(DemoSource::done) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            done = sources.stream().allMatch(DemoSource::done);
            System.out.println((done ? "done: " : "timed out: ") + sources.stream().map(DemoSource::progress)
                    .collect(Collectors.joining("; ")));
            System.out.println("""
                    status page  %1$s/
                    metrics      %1$s/metrics
                    health       %1$s/health/ready
                    Lambda API   aws lambda list-event-source-mappings --endpoint-url %1$s --region us-east-1
                    """.formatted(worker.url()));
        } finally {
            if (worker == null || exitAfterDemo || !done) {
                stop(worker, sources, httpFunction);
            }
        }
        if (exitAfterDemo || !done) {
            System.exit(done ? 0 : 1);
        }
        System.out.println("Ctrl-C stops the worker.");
        Worker running = worker;
        Main.runUntilSignalled(running, () -> closeServers(sources, httpFunction));
    }

    private static void stop(@Nullable Worker worker, List<DemoSource> sources, DemoHttpFunction httpFunction)
            throws InterruptedException {
        try {
            if (worker != null) {
                worker.close();
            }
        } finally {
            closeServers(sources, httpFunction);
        }
    }

    /** The servers the mappings read, once the worker has stopped. */
    private static void closeServers(List<DemoSource> sources, DemoHttpFunction httpFunction) {
        sources.reversed().forEach(DemoSource::close);
        httpFunction.close();
    }

    private static Worker startOnFreePortIfTaken(WorkerOptions options) throws IOException {
        try {
            return Worker.start(options);
        } catch (BindException e) {
            System.out.println("port " + options.port() + " is taken; using a free one");
            return Worker.start(options.withListen(options.bindAddress(), 0));
        }
    }
}
