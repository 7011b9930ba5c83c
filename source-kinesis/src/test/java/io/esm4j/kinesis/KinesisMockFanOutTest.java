package io.esm4j.kinesis;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.stream.AwaitableShardReader;
import io.esm4j.stream.FetchResult;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.ShardReader;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testsupport.RequiresNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.ConsumerStatus;

/**
 * The Kinesis suite again, with every source reading through an enhanced fan-out consumer (SubscribeToShard over
 * HTTP/2 without TLS) on kinesis-mock, which pushes a shard's events every 200 ms (KinesisMockServer). Tests of
 * GetRecords and its iterators are skipped ({@link #fanOut()}).
 */
@RequiresNode
class KinesisMockFanOutTest extends KinesisMockSourceTest {

    /** One client for the class: closing a Netty client takes seconds. It reports to the running test's faults. */
    private static KinesisAsyncClient subscriber;
    private static volatile FaultInjector currentFaults;
    /** One consumer per stream, registered on first use: a restarted mapping subscribes as the same consumer. */
    private final Map<String, String> consumers = new ConcurrentHashMap<>();

    /** Runs after {@link KinesisMockSourceTest#startServer()}. */
    @BeforeAll
    static void openSubscriber() {
        ExecutionInterceptor forwarding = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                currentFaults.beforeExecution(context, attributes);
            }

            @Override
            public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
                currentFaults.afterTransmission(context, attributes);
            }
        };
        subscriber = KinesisAsyncClient.builder().endpointOverride(server.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(CREDENTIALS)
                .httpClientBuilder(NettyNioAsyncHttpClient.builder())
                .overrideConfiguration(c -> c.addExecutionInterceptor(forwarding)).build();
    }

    /** Runs before {@link KinesisMockSourceTest#stopServer()}. */
    @AfterAll
    static void closeSubscriber() {
        if (subscriber != null) {
            subscriber.close();
        }
    }

    @BeforeEach
    void reportToThisTest() {
        currentFaults = faults;
    }

    @Override
    boolean fanOut() {
        return true;
    }

    @Override
    KinesisStreamSource source(String stream, KinesisSourceSettings.Builder settings) {
        String consumerArn = consumers.computeIfAbsent(stream, this::registerConsumer);
        return KinesisStreamSource.builder(kinesis).enhancedFanOut(subscriber, consumerArn)
                .settings(settings.throttleBackoff(Duration.ofMillis(50), Duration.ofMillis(500)).build()).build();
    }

    private String registerConsumer(String stream) {
        String streamArn = kinesis.describeStreamSummary(r -> r.streamName(stream)).streamDescriptionSummary()
                .streamARN();
        String consumerArn = kinesis.registerStreamConsumer(r -> r.streamARN(streamArn).consumerName("esm4j"))
                .consumer().consumerARN();
        eventually().until(() -> kinesis.describeStreamConsumer(r -> r.consumerARN(consumerArn))
                .consumerDescription().consumerStatus() == ConsumerStatus.ACTIVE);
        return consumerArn;
    }

    @Test
    void theSourceReadsTheConsumersStreamAndSaysWhichConsumer() {
        String stream = newStream(1);
        KinesisStreamSource source = source(stream);
        assertThat(source.streamName()).isEqualTo(stream);
        assertThat(source.streamArn()).endsWith(":stream/" + stream);
        assertThat(source.consumerArn()).hasValue(consumers.get(stream));
    }

    /** Resuming after the sub-record {@code S/k} subscribes AT_SEQUENCE_NUMBER {@code S} and drops up to {@code k}. */
    @Test
    void aReaderResumesInsideAnAggregateWithoutSkippingOrRepeating() throws Exception {
        String stream = newStream(1);
        String aggregate = TestStreams.putBytes(kinesis, stream, "agg", KplEncoder.aggregate(List.of(
                new KplEncoder.UserRecord("k1", "a0"), new KplEncoder.UserRecord("k2", "a1"),
                new KplEncoder.UserRecord("k3", "a2"), new KplEncoder.UserRecord("k4", "a3"))));
        TestStreams.putBytes(kinesis, stream, "p", "p0".getBytes());
        KinesisStreamSource source = source(stream);
        String shardId = source.listShards().getFirst().shardId();

        assertThat(readAll(source, shardId, new ReadStart.AfterSequenceNumber(aggregate + "/1"), 3))
                .containsExactly("a2", "a3", "p0");
        assertThat(readAll(source, shardId, new ReadStart.AfterSequenceNumber(aggregate + "/3"), 1))
                .containsExactly("p0");
        assertThat(readAll(source, shardId, new ReadStart.TrimHorizon(), 5))
                .containsExactly("a0", "a1", "a2", "a3", "p0");
    }

    /** Reads one record at a time until {@code count} arrived: never more than asked for. */
    private static List<String> readAll(KinesisStreamSource source, String shardId, ReadStart start, int count)
            throws Exception {
        List<String> data = new ArrayList<>();
        try (ShardReader<KinesisRecord> reader = source.openReader(shardId, start)) {
            AwaitableShardReader<KinesisRecord> awaitable = (AwaitableShardReader<KinesisRecord>) reader;
            while (data.size() < count) {
                FetchResult<KinesisRecord> result = awaitable.fetch(1, LIVENESS);
                assertThat(result.records()).hasSizeLessThanOrEqualTo(1);
                result.records().stream().map(StreamRecord::payload).map(KinesisRecord::dataAsString)
                        .forEach(data::add);
            }
        }
        return data;
    }
}
