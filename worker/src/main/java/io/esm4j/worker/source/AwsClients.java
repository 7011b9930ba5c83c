package io.esm4j.worker.source;

import io.esm4j.worker.config.Endpoints;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.SdkClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The worker's AWS SDK clients, one per service, made on first use: region and credentials as given (the SDK's
 * default chains unless the worker runs locally), each service's endpoint overridden where the worker file or the
 * command line says so. Closed together when the worker stops.
 */
public final class AwsClients implements AutoCloseable {

    /**
     * How long a call of the DynamoDB client (the lease and mapping tables') may take, retries included: 0.4 of
     * esm-core's FailoverTime (10 s), as state-dynamodb asks of a lease store's client, so that a renewal is answered
     * or failed, and sent again, before the worker has to give its shards up. The SDK's own limits (a 30 s read
     * timeout per attempt, three retries) would let a DynamoDB that stops answering hold a renewal, a start or an API
     * call for minutes.
     */
    private static final Duration STATE_CALL_TIMEOUT = Duration.ofSeconds(4);

    private final Region region;
    private final AwsCredentialsProvider credentials;
    private final Endpoints endpoints;
    private final List<SdkClient> made = new ArrayList<>();
    private final Supplier<SqsClient> sqs;
    private final Supplier<KinesisClient> kinesis;
    private final Supplier<KinesisAsyncClient> kinesisSubscriber;
    private final Supplier<SnsClient> sns;
    private final Supplier<S3Client> s3;
    private final Supplier<DynamoDbClient> dynamodb;
    private final Supplier<DynamoDbStreamsClient> dynamodbStreams;
    private final Map<Region, GlueClient> glue = new HashMap<>();

    public AwsClients(Region region, AwsCredentialsProvider credentials, Endpoints endpoints) {
        this.region = region;
        this.credentials = credentials;
        this.endpoints = endpoints;
        this.sqs = lazy(() -> configure(SqsClient.builder(), "sqs").build());
        this.kinesis = lazy(() -> configure(KinesisClient.builder(), "kinesis").build());
        // Each shard holds its subscription's stream for up to five minutes: the SDK's default of 50 concurrent
        // requests would leave the 51st shard waiting for a stream until another subscription ends.
        this.kinesisSubscriber = lazy(() -> configure(KinesisAsyncClient.builder(), "kinesis")
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(Integer.MAX_VALUE)).build());
        this.sns = lazy(() -> configure(SnsClient.builder(), "sns").build());
        // A bucket's ARN names no region, and a failure bucket may be in another region than the worker: the client
        // follows S3's redirect to the bucket's region instead of failing every delivery there.
        this.s3 = lazy(() -> configure(S3Client.builder().forcePathStyle(endpoints.endpoint("s3") != null)
                .crossRegionAccessEnabled(true), "s3").build());
        this.dynamodb = lazy(() -> configure(DynamoDbClient.builder(), "dynamodb")
                .overrideConfiguration(config -> config.apiCallTimeout(STATE_CALL_TIMEOUT)).build());
        this.dynamodbStreams = lazy(() -> configure(DynamoDbStreamsClient.builder(), "dynamodbstreams").build());
    }

    public Region region() {
        return region;
    }

    public AwsCredentialsProvider credentials() {
        return credentials;
    }

    public Endpoints endpoints() {
        return endpoints;
    }

    public SqsClient sqs() {
        return sqs.get();
    }

    public KinesisClient kinesis() {
        return kinesis.get();
    }

    /** For enhanced fan-out's SubscribeToShard, which needs an HTTP/2 client. */
    public KinesisAsyncClient kinesisSubscriber() {
        return kinesisSubscriber.get();
    }

    public SnsClient sns() {
        return sns.get();
    }

    public S3Client s3() {
        return s3.get();
    }

    public DynamoDbClient dynamodb() {
        return dynamodb.get();
    }

    public DynamoDbStreamsClient dynamodbStreams() {
        return dynamodbStreams.get();
    }

    /** For a schema registry in AWS Glue: a client of the registry's region, which may not be the worker's. */
    public synchronized GlueClient glue(Region registryRegion) {
        return glue.computeIfAbsent(registryRegion, in -> {
            GlueClient client = configure(GlueClient.builder(), "glue").region(in).build();
            made.add(client);
            return client;
        });
    }

    private <B extends AwsClientBuilder<B, ?>> B configure(B builder, String service) {
        builder.region(region).credentialsProvider(credentials);
        URI endpoint = endpoints.endpoint(service);
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder;
    }

    private <C extends SdkClient> Supplier<C> lazy(Supplier<C> factory) {
        return new Supplier<>() {
            private @Nullable C client;

            @Override
            public C get() {
                synchronized (AwsClients.this) {
                    if (client == null) {
                        client = factory.get();
                        made.add(client);
                    }
                    return client;
                }
            }
        };
    }

    @Override
    public synchronized void close() {
        made.forEach(SdkClient::close);
        made.clear();
        glue.clear();
    }
}
