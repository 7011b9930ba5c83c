package io.esm4j.worker.local;

import io.esm4j.worker.StoreLocation;
import io.esm4j.worker.WorkerOptions;
import java.lang.reflect.InvocationTargetException;
import java.net.URI;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/**
 * Kinesis on kinesis-mock and shard leases on dynalite, both Node.js servers on 127.0.0.1 and free ports, with a
 * stream mapped to the HTTP function. They are started by esm4j's own test fixtures ({@code KinesisMockServer} of
 * source-kinesis's test jar, {@code Dynalite} of test-support), reached by reflection: the source tree's local run
 * ({@code -Plocal}) has them on its class path and installs the npm packages they need on first use; the worker jar
 * alone does not carry them, and without Node.js there is nothing to run them on.
 */
final class KinesisDemo implements DemoSource {

    static final String STREAM = "esm4j-demo-stream";
    static final String LEASE_TABLE = "esm4j-demo-leases";

    private final AutoCloseable kinesisMock;
    private final AutoCloseable dynalite;
    private final URI kinesisEndpoint;
    private final URI dynamodbEndpoint;
    private final KinesisClient kinesis;
    private final DemoHttpFunction httpFunction;
    private final String streamArn;

    private KinesisDemo(AutoCloseable kinesisMock, AutoCloseable dynalite, AwsCredentialsProvider credentials,
                        DemoHttpFunction httpFunction) throws ReflectiveOperationException {
        this.kinesisMock = kinesisMock;
        this.dynalite = dynalite;
        this.kinesisEndpoint = endpoint(kinesisMock);
        this.dynamodbEndpoint = endpoint(dynalite);
        this.httpFunction = httpFunction;
        this.kinesis = KinesisClient.builder().endpointOverride(kinesisEndpoint).region(Region.US_EAST_1)
                .credentialsProvider(credentials).build();
        kinesis.createStream(r -> r.streamName(STREAM).shardCount(2));
        kinesis.waiter().waitUntilStreamExists(r -> r.streamName(STREAM),
                c -> c.waitTimeout(Duration.ofSeconds(60)));
        this.streamArn = kinesis.describeStreamSummary(r -> r.streamName(STREAM)).streamDescriptionSummary()
                .streamARN();
    }

    /**
     * Starts kinesis-mock and dynalite, or returns null after printing one line that says why the Kinesis demo is
     * skipped.
     */
    static @Nullable KinesisDemo startIfPossible(AwsCredentialsProvider credentials, DemoHttpFunction httpFunction) {
        String skipped = "Kinesis demo skipped: ";
        Class<?> kinesisMockType;
        Class<?> dynaliteType;
        Object node;
        try {
            kinesisMockType = Class.forName("io.esm4j.kinesis.KinesisMockServer");
            dynaliteType = Class.forName("io.esm4j.testsupport.Dynalite");
            node = Class.forName("io.esm4j.testsupport.NodeTools").getMethod("onPath").invoke(null);
        } catch (ReflectiveOperationException e) {
            System.out.println(skipped + "kinesis-mock and dynalite are started by esm4j's test fixtures, which only "
                    + "the source tree's run (./mvnw -pl worker -am package -DskipTests -Plocal) has on its class "
                    + "path");
            return null;
        }
        AutoCloseable kinesisMock = null;
        AutoCloseable dynalite = null;
        try {
            if (!(boolean) node.getClass().getMethod("complete").invoke(node)) {
                System.out.println(skipped + node.getClass().getMethod("missing").invoke(node) + " not on the PATH "
                        + "(kinesis-mock and dynalite run on Node.js 20 or newer with npm)");
                return null;
            }
            kinesisMock = (AutoCloseable) kinesisMockType.getMethod("start").invoke(null);
            dynalite = (AutoCloseable) dynaliteType.getMethod("start").invoke(null);
            return new KinesisDemo(kinesisMock, dynalite, credentials, httpFunction);
        } catch (ReflectiveOperationException | RuntimeException e) {
            Throwable cause = e instanceof InvocationTargetException target && target.getCause() != null
                    ? target.getCause() : e;
            closeQuietly(kinesisMock);
            closeQuietly(dynalite);
            String message = String.valueOf(cause.getMessage()).lines().findFirst().orElse("");
            System.out.println(skipped + "kinesis-mock or dynalite did not start: " + cause.getClass().getSimpleName()
                    + ": " + message);
            return null;
        }
    }

    @Override
    public String server() {
        return "Kinesis: kinesis-mock at " + kinesisEndpoint + ", stream " + STREAM + "; shard leases: dynalite at "
                + dynamodbEndpoint + ", table " + LEASE_TABLE;
    }

    @Override
    public String functions() {
        return "";
    }

    @Override
    public String mappings() {
        return """
                  - EventSourceArn: %s
                    FunctionName: demo-http
                    StartingPosition: TRIM_HORIZON
                    BatchSize: 5
                    ParallelizationFactor: 2
                """.formatted(streamArn);
    }

    @Override
    public WorkerOptions configure(WorkerOptions options) {
        return options.withEndpoints(options.endpoints().with("kinesis", kinesisEndpoint)
                .with("dynamodb", dynamodbEndpoint)).withLeases(new StoreLocation.DynamoDbTable(LEASE_TABLE));
    }

    @Override
    public void send() {
        for (int i = 1; i <= RECORDS; i++) {
            int n = i;
            kinesis.putRecord(r -> r.streamName(STREAM).partitionKey("device-" + (n % 4))
                    .data(SdkBytes.fromUtf8String("click-" + n)));
        }
    }

    @Override
    public boolean done() {
        return httpFunction.handled("aws:kinesis").get() >= RECORDS;
    }

    @Override
    public String progress() {
        return httpFunction.handled("aws:kinesis").get() + " of " + RECORDS + " Kinesis records the HTTP function";
    }

    @Override
    public void close() {
        kinesis.close();
        closeQuietly(kinesisMock);
        closeQuietly(dynalite);
    }

    private static URI endpoint(Object server) throws ReflectiveOperationException {
        return (URI) server.getClass().getMethod("endpoint").invoke(server);
    }

    private static void closeQuietly(@Nullable AutoCloseable server) {
        if (server == null) {
            return;
        }
        try {
            server.close();
        } catch (Exception e) {
            System.out.println("could not stop " + server.getClass().getSimpleName() + ": " + e);
        }
    }
}
