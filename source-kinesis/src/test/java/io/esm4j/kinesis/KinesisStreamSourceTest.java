package io.esm4j.kinesis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.filter.FilterCriteria;
import io.esm4j.internal.MappingLogName;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.ShardReader;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testsupport.LogCapture;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.KinesisServiceClientConfiguration;
import software.amazon.awssdk.services.kinesis.model.AccessDeniedException;
import software.amazon.awssdk.services.kinesis.model.DescribeStreamSummaryRequest;
import software.amazon.awssdk.services.kinesis.model.GetRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.kinesis.model.GetShardIteratorResponse;
import software.amazon.awssdk.services.kinesis.model.KinesisException;

class KinesisStreamSourceTest {

    @Test
    void aStreamArnGivesRegionAccountAndName() {
        StreamArn arn = StreamArn.parse("arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream");

        assertThat(arn.region()).isEqualTo("us-east-2");
        assertThat(arn.account()).isEqualTo("123456789012");
        assertThat(arn.streamName()).isEqualTo("lambda-stream");
    }

    @Test
    void rejectsWhatIsNotAKinesisStreamArn() {
        for (String bad : new String[] {"lambda-stream", "arn:aws:sqs:us-east-2:1:queue",
                "arn:aws:kinesis:us-east-2:1:stream/", "arn:aws:kinesis:us-east-2:1:table/x"}) {
            assertThatThrownBy(() -> StreamArn.parse(bad))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + bad + "'");
        }
    }

    @Test
    void needsOneStreamAndAConsumerOfThatStream() {
        String stream = "arn:aws:kinesis:eu-west-1:1:stream/s";
        String consumer = stream + "/consumer/c:1700000000";
        try (KinesisClient client = KinesisClient.builder().region(Region.EU_WEST_1)
                .credentialsProvider(AnonymousCredentialsProvider.create()).build();
             KinesisAsyncClient subscriber = KinesisAsyncClient.builder().region(Region.EU_WEST_1)
                     .credentialsProvider(AnonymousCredentialsProvider.create()).build()) {
            assertThatThrownBy(() -> KinesisStreamSource.builder(client).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a stream is needed");
            assertThatThrownBy(() -> KinesisStreamSource.builder(client).streamName("s").streamArn(stream).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most one");
            assertThatThrownBy(() -> KinesisStreamSource.builder(client).streamArn(consumer).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(consumer);
            KinesisStreamSource source = KinesisStreamSource.builder(client).streamArn(stream).build();
            assertThat(source.streamName()).isEqualTo("s");
            assertThat(source.streamArn()).isEqualTo(stream);
            assertThat(source.consumerArn()).isEmpty();

            KinesisStreamSource fanOut = KinesisStreamSource.builder(client).streamName("s")
                    .enhancedFanOut(subscriber, consumer).build();
            assertThat(fanOut.streamArn()).isEqualTo(stream);
            assertThat(fanOut.consumerArn()).hasValue(consumer);
            assertThatThrownBy(() -> KinesisStreamSource.builder(client).streamName("other")
                    .enhancedFanOut(subscriber, consumer).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reads the stream " + stream);
            assertThatThrownBy(() -> KinesisStreamSource.builder(client).enhancedFanOut(subscriber, stream).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("consumer ARN like");
        }
    }

    @Test
    void aStreamOfAnotherRegionThanTheClientsIsRefusedUnlessTheClientHasAnEndpointOverride() {
        String stream = "arn:aws:kinesis:eu-west-1:111122223333:stream/orders";
        String consumer = stream + "/consumer/c:1700000000";
        try (KinesisClient client = KinesisClient.builder().region(Region.US_EAST_1)
                .credentialsProvider(AnonymousCredentialsProvider.create()).build();
             KinesisAsyncClient subscriber = KinesisAsyncClient.builder().region(Region.EU_WEST_1)
                     .credentialsProvider(AnonymousCredentialsProvider.create()).build();
             KinesisAsyncClient otherSubscriber = KinesisAsyncClient.builder().region(Region.US_EAST_1)
                     .credentialsProvider(AnonymousCredentialsProvider.create()).build();
             KinesisClient overridden = KinesisClient.builder().region(Region.US_EAST_1)
                     .endpointOverride(URI.create("http://127.0.0.1:4566"))
                     .credentialsProvider(AnonymousCredentialsProvider.create()).build()) {
            assertThatThrownBy(() -> KinesisStreamSource.builder(client).streamArn(stream).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("in region eu-west-1").hasMessageContaining("for region us-east-1");
            assertThatThrownBy(() -> KinesisStreamSource.builder(client).enhancedFanOut(subscriber, consumer).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("KinesisClient");
            try (KinesisClient euClient = KinesisClient.builder().region(Region.EU_WEST_1)
                    .credentialsProvider(AnonymousCredentialsProvider.create()).build()) {
                assertThatThrownBy(() -> KinesisStreamSource.builder(euClient)
                        .enhancedFanOut(otherSubscriber, consumer).build())
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("KinesisAsyncClient");
                assertThat(KinesisStreamSource.builder(euClient).streamArn(stream).build().streamArn())
                        .isEqualTo(stream);
            }
            assertThat(KinesisStreamSource.builder(overridden).streamArn(stream).build().streamArn())
                    .isEqualTo(stream);
        }
    }

    @Test
    void filterCriteriaMatchTheDecodedDataAsJsonAndNeverMatchOtherData() {
        try (KinesisClient client = KinesisClient.builder().region(Region.EU_WEST_1)
                .credentialsProvider(AnonymousCredentialsProvider.create()).build()) {
            KinesisStreamSource source = KinesisStreamSource.builder(client)
                    .streamArn("arn:aws:kinesis:eu-west-1:1:stream/s").build();
            FilterCriteria orders = FilterCriteria.of(List.of("{\"data\":{\"type\":[\"order\"]}}"));

            assertThat(source.filterableKeys()).containsExactly("data");
            // Lambda refuses a plain pattern on data at creation; a mapping refuses it when built.
            assertThat(source.jsonOnlyFilterKeys()).containsExactly("data");
            assertThat(orders.matches(source.filterDocument(record("{\"type\":\"order\"}")))).isTrue();
            assertThat(orders.matches(source.filterDocument(record("{\"type\":\"ping\"}")))).isFalse();
            assertThat(orders.matches(source.filterDocument(record("not json")))).isFalse();
        }
    }

    @Test
    void theRetentionIs24HoursUntilReadAndStaysSoWhenDescribeStreamSummaryIsDenied() {
        // Kinesis denies with HTTP 400 and AccessDeniedException (the SDK's exception of that name).
        DescribeFaults faults = new DescribeFaults(() -> AccessDeniedException.builder().statusCode(400)
                .message("User: arn:aws:iam::1:user/u is not authorized to perform: kinesis:DescribeStreamSummary")
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("AccessDeniedException").build()).build());
        try (KinesisClient client = faulty(faults)) {
            KinesisStreamSource source = KinesisStreamSource.builder(client)
                    .streamArn("arn:aws:kinesis:eu-west-1:1:stream/s").build();
            assertThat(source.retention()).contains(Duration.ofHours(24));

            try (LogCapture log = new LogCapture(KinesisStreamSource.class)) {
                // On the lease thread of a mapping's round, which lists the shards: the line names that mapping.
                MappingLogName.bound("orders-to-billing", () -> {
                    source.refreshRetention();
                    source.refreshRetention();
                }).run();
                assertThat(log.lines("WARN", "DescribeStreamSummary is not permitted")).singleElement().asString()
                        .contains("mapping=orders-to-billing");
            }

            assertThat(source.retention()).contains(Duration.ofHours(24));
            assertThat(faults.calls).as("a denied call is not made again").hasValue(1);
        }
    }

    @Test
    void aFailedReadOfTheRetentionIsTriedAgainWithTheNextListing() {
        DescribeFaults faults = new DescribeFaults(() -> KinesisException.builder().statusCode(500)
                .message("injected").awsErrorDetails(AwsErrorDetails.builder().errorCode("InternalFailure").build())
                .build());
        try (KinesisClient client = faulty(faults)) {
            KinesisStreamSource source = KinesisStreamSource.builder(client)
                    .streamArn("arn:aws:kinesis:eu-west-1:1:stream/s").build();

            source.refreshRetention();
            source.refreshRetention();

            assertThat(source.retention()).contains(Duration.ofHours(24));
            assertThat(faults.calls).hasValue(2);
        }
    }

    /**
     * Lambda writes the function's role, an IAM ARN in the stream's partition: {@code arn:aws-cn:iam::...} for a
     * stream in China, {@code arn:aws-us-gov:iam::...} in GovCloud. The default role is there too.
     */
    @Test
    void theDefaultInvokeIdentityArnIsInTheStreamsPartition() throws Exception {
        for (String partition : List.of("aws-cn", "aws-us-gov", "aws")) {
            KinesisStreamSource source = KinesisStreamSource.builder(oneRecordClient())
                    .streamArn("arn:" + partition + ":kinesis:cn-north-1:123456789012:stream/orders").build();
            try (ShardReader<KinesisRecord> reader = source.openReader("shardId-000000000000",
                    new ReadStart.TrimHorizon())) {
                KinesisRecord record = reader.fetch(10).records().getFirst().payload();

                assertThat(record.invokeIdentityArn()).isEqualTo("arn:" + partition + ":iam::123456789012:role/esm4j");
                assertThat(record.awsRegion()).isEqualTo("cn-north-1");
            }
        }
    }

    /** Answers GetShardIterator, and GetRecords with one record; reports no configuration, so any ARN is taken. */
    private static KinesisClient oneRecordClient() {
        return new KinesisClient() {
            @Override
            public GetShardIteratorResponse getShardIterator(GetShardIteratorRequest request) {
                return GetShardIteratorResponse.builder().shardIterator("iterator").build();
            }

            @Override
            public GetRecordsResponse getRecords(GetRecordsRequest request) {
                return GetRecordsResponse.builder().millisBehindLatest(0L).nextShardIterator("next")
                        .records(software.amazon.awssdk.services.kinesis.model.Record.builder().sequenceNumber("100")
                                .partitionKey("k").data(SdkBytes.fromUtf8String("x"))
                                .approximateArrivalTimestamp(Instant.EPOCH).build()).build();
            }

            @Override
            public String serviceName() {
                return "kinesis";
            }

            @Override
            public KinesisServiceClientConfiguration serviceClientConfiguration() {
                throw new UnsupportedOperationException();
            }

            @Override
            public void close() {}
        };
    }

    /** Answers every DescribeStreamSummary with the given error before anything is sent. */
    private static final class DescribeFaults implements ExecutionInterceptor {
        final AtomicInteger calls = new AtomicInteger();
        private final Supplier<? extends RuntimeException> error;

        DescribeFaults(Supplier<? extends RuntimeException> error) {
            this.error = error;
        }

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            if (context.request() instanceof DescribeStreamSummaryRequest) {
                calls.incrementAndGet();
                throw error.get();
            }
            throw new IllegalStateException("unexpected call " + context.request());
        }
    }

    private static KinesisClient faulty(ExecutionInterceptor interceptor) {
        return KinesisClient.builder().region(Region.EU_WEST_1)
                .credentialsProvider(AnonymousCredentialsProvider.create())
                .overrideConfiguration(c -> c.addExecutionInterceptor(interceptor)).build();
    }

    private static StreamRecord<KinesisRecord> record(String data) {
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        KinesisRecord record = KinesisRecord.of("shardId-000000000000", KinesisRecord.Kinesis.of("k", "1", bytes,
                Instant.EPOCH, "NONE"), "arn:aws:iam::1:role/r", "eu-west-1", "arn:aws:kinesis:eu-west-1:1:stream/s");
        return new StreamRecord<>("shardId-000000000000", "1", "k", Instant.EPOCH, bytes.length, record);
    }
}
