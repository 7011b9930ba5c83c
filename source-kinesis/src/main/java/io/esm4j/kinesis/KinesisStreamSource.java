package io.esm4j.kinesis;

import io.esm4j.failure.BatchInfo;
import io.esm4j.failure.BatchInfoStyle;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.filter.FilterDocument;
import io.esm4j.filter.FilterDocuments;
import io.esm4j.handler.RecordsJson;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.Shard;
import io.esm4j.stream.ShardReader;
import io.esm4j.stream.StreamRecord;
import io.esm4j.stream.StreamSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.StreamDescriptionSummary;

/**
 * A Kinesis data stream as a stream source, on the AWS SDK v2 {@link KinesisClient}: it lists shards with their
 * parents (split and merge lineage), reads each with GetRecords within the shard's call budget (or, with
 * {@link Builder#enhancedFanOut enhanced fan-out}, over SubscribeToShard subscriptions), de-aggregates KPL records
 * and hands the handler Lambda-shaped {@link KinesisRecord}s.
 *
 * <pre>{@code
 * KinesisStreamSource source = KinesisStreamSource.builder(kinesisClient).streamName("orders").build();
 * EventSourceMapping<KinesisRecord> mapping = EventSourceMapping.builder("orders-to-billing", source, handler)
 *         .settings(StreamSettings.builder().startingPosition(StartingPosition.LATEST).build())
 *         .build();
 * }</pre>
 *
 * The client is the caller's: its endpoint, region, credentials, retries and HTTP client apply, and the source does
 * not close it.
 */
public final class KinesisStreamSource implements StreamSource<KinesisRecord> {

    private final KinesisClient client;
    private final StreamArn arn;
    private final KinesisSourceSettings settings;
    private final @Nullable FanOut fanOut;
    private final ShardListing listing;
    private final StreamLifecycle lifecycle;

    private KinesisStreamSource(KinesisClient client, StreamArn arn, KinesisSourceSettings settings,
                                @Nullable FanOut fanOut, Duration retention, @Nullable Instant created) {
        this.client = client;
        this.arn = arn;
        this.settings = settings;
        this.fanOut = fanOut;
        this.listing = new ShardListing(client, arn);
        this.lifecycle = new StreamLifecycle(client, arn, retention, created);
    }

    public static Builder builder(KinesisClient client) {
        return new Builder(client);
    }

    @Override
    public Set<String> filterableKeys() {
        return Set.of("data");
    }

    /** Lambda refuses a plain pattern on {@code data} at creation. */
    @Override
    public Set<String> jsonOnlyFilterKeys() {
        return Set.of("data");
    }

    /** Lambda's rule: the base64-decoded data is matched as JSON under {@code data}; other data never matches. */
    @Override
    public FilterDocument filterDocument(StreamRecord<KinesisRecord> record) {
        return FilterDocuments.kinesisData(record.payload().kinesis().data());
    }

    @Override
    public String streamArn() {
        return arn.text();
    }

    public String streamName() {
        return arn.streamName();
    }

    /** The enhanced fan-out consumer's ARN, if the source reads with one. */
    public Optional<String> consumerArn() {
        return Optional.ofNullable(fanOut).map(FanOut::consumerArn);
    }

    /** {@code KinesisBatchInfo}, with millisecond arrival times. */
    @Override
    public BatchInfo batchInfo(String shardId, List<StreamRecord<KinesisRecord>> records) {
        return StreamBatchInfo.of(BatchInfoStyle.KINESIS, shardId, records, arn.text());
    }

    /**
     * The stream's retention period (DescribeStreamSummary {@code RetentionPeriodHours}), as last read: with every
     * shard listing, so a change is seen within a ShardSyncInterval. 24 hours, Kinesis's default and minimum, until
     * the first answer, and for good if the caller's credentials may not call DescribeStreamSummary.
     */
    @Override
    public Optional<Duration> retention() {
        return Optional.of(lifecycle.retention());
    }

    /**
     * {@link RecordsJson#ENVELOPE_BYTES}: each record's size counts its object and the comma before it
     * ({@link KinesisEventJson#size}), so with the records' sizes this is the event's exact length, which the engine
     * keeps within Lambda's 6 MB.
     */
    @Override
    public int eventEnvelopeBytes(String shardId) {
        return RecordsJson.ENVELOPE_BYTES;
    }

    /**
     * Every shard ListShards returns, page by page, open and closed, with its parent and adjacent parent. Also reads
     * the stream's retention again.
     *
     * @throws StreamRecreatedException from the first listing that finds the stream deleted and created again (its
     *         creation time changed) on: the leases' checkpoints are positions of the old stream, which the new one
     *         may not refuse (kinesis-mock serves an iterator at such a position, and reading from it returns nothing,
     *         for good). The engine shows it as the mapping's problem until the mapping is built again.
     */
    @Override
    public List<Shard> listShards() {
        refreshRetention();
        String recreated = lifecycle.recreation();
        if (recreated != null) {
            throw new StreamRecreatedException(recreated + "; the mapping's checkpoints are positions of the old "
                    + "stream. " + PositionNotInShardException.WHAT_TO_DO);
        }
        return listing.list();
    }

    /** Reads the stream's retention and creation time again ({@link StreamLifecycle#refresh()}). */
    void refreshRetention() {
        lifecycle.refresh();
    }

    /**
     * A reader on the shard: with its first shard iterator already taken at {@code start}, or with enhanced fan-out,
     * its first SubscribeToShard call already made.
     *
     * @throws PositionNotInShardException if {@code start} is after a sequence number below the shard's first, as the
     *         last listing showed it: a checkpoint of a stream of the same name that was deleted and created again
     *         ({@link ShardListing#requireInShard})
     */
    @Override
    public ShardReader<KinesisRecord> openReader(String shardId, ReadStart start) throws Exception {
        listing.requireInShard(shardId, start, lifecycle::recreationNow);
        RecordConverter converter = new RecordConverter(shardId, settings.invokeIdentityArnFor(arn.partition(), arn.account()),
                arn.region(), arn.text());
        if (fanOut != null) {
            return KinesisFanOutReader.open(fanOut.client(), fanOut.consumerArn(), arn.text(), shardId, start,
                    converter, shardEnd(shardId, converter), settings, Clock.systemUTC());
        }
        return KinesisShardReader.open(client, arn.text(), shardId, start, converter, settings,
                lifecycle::recreation);
    }

    /** A fan-out reader's {@link ShardEnd}, asking through polling calls on the same shard. */
    private ShardEnd shardEnd(String shardId, RecordConverter converter) {
        return listing.shardEnd(shardId,
                new KinesisShardReader(client, arn.text(), shardId, converter, lifecycle::recreation));
    }

    public static final class Builder {
        private final KinesisClient client;
        private @Nullable String streamName;
        private @Nullable String streamArn;
        private KinesisSourceSettings settings = KinesisSourceSettings.defaults();
        private @Nullable FanOut fanOut;

        private Builder(KinesisClient client) {
            this.client = Objects.requireNonNull(client, "client");
        }

        /** The stream by name; {@link #build()} then asks Kinesis for its ARN. */
        public Builder streamName(String streamName) {
            this.streamName = streamName;
            return this;
        }

        /**
         * The stream by ARN ({@code arn:aws:kinesis:<region>:<account>:stream/<name>}); no call at build time. Every
         * call names the stream by this ARN, so a stream of another account (shared with a resource policy) is read,
         * never a same-named stream of the client's account. The ARN's region must be the client's, unless the client
         * has an endpoint override.
         */
        public Builder streamArn(String streamArn) {
            this.streamArn = streamArn;
            return this;
        }

        public Builder settings(KinesisSourceSettings settings) {
            this.settings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /**
         * Reads with enhanced fan-out as the registered stream consumer {@code consumerArn}
         * ({@code arn:aws:kinesis:<region>:<account>:stream/<name>/consumer/<consumer>:<timestamp>}, as
         * RegisterStreamConsumer returns it): Kinesis pushes each shard's records over SubscribeToShard on
         * {@code subscriber}, an HTTP/2 client such as one on the SDK's {@code NettyNioAsyncHttpClient}. The stream is
         * the consumer's; a stream name or ARN set as well must be the same one. The client given to
         * {@link KinesisStreamSource#builder} still lists shards and reads the retention. Neither client is closed by
         * the source.
         */
        public Builder enhancedFanOut(KinesisAsyncClient subscriber, String consumerArn) {
            this.fanOut = new FanOut(Objects.requireNonNull(subscriber, "subscriber"),
                    Objects.requireNonNull(consumerArn, "consumerArn"));
            return this;
        }

        /**
         * Builds the source; with only a stream name, this calls DescribeStreamSummary once, for the ARN and the
         * retention.
         *
         * @throws IllegalArgumentException if the stream's ARN (or the consumer's) is of another region than a client
         *                                  without an endpoint override: its calls would go to the wrong region
         */
        public KinesisStreamSource build() {
            if (streamName != null && streamArn != null) {
                throw new IllegalArgumentException("at most one of streamName and streamArn may be set, but got "
                        + "streamName=" + streamName + " and streamArn=" + streamArn);
            }
            if (fanOut != null) {
                StreamArn consumerStream = StreamArn.ofConsumer(fanOut.consumerArn());
                if (streamArn != null && !streamArn.equals(consumerStream.text())
                        || streamName != null && !streamName.equals(consumerStream.streamName())) {
                    throw new IllegalArgumentException("the consumer " + fanOut.consumerArn() + " reads the stream "
                            + consumerStream.text() + ", not " + (streamArn != null ? streamArn : streamName));
                }
                ClientRegion.require(client::serviceClientConfiguration, consumerStream, "KinesisClient");
                ClientRegion.require(fanOut.client()::serviceClientConfiguration, consumerStream, "KinesisAsyncClient");
                return new KinesisStreamSource(client, consumerStream, settings, fanOut,
                        StreamLifecycle.DEFAULT_RETENTION, null);
            }
            if (streamArn != null) {
                StreamArn arn = StreamArn.parse(streamArn);
                ClientRegion.require(client::serviceClientConfiguration, arn, "KinesisClient");
                return new KinesisStreamSource(client, arn, settings, null, StreamLifecycle.DEFAULT_RETENTION, null);
            }
            if (streamName == null) {
                throw new IllegalArgumentException("a stream is needed: set streamName, streamArn or enhancedFanOut");
            }
            StreamDescriptionSummary summary = client.describeStreamSummary(r -> r.streamName(streamName))
                    .streamDescriptionSummary();
            Duration retention = summary.retentionPeriodHours() == null ? StreamLifecycle.DEFAULT_RETENTION
                    : Duration.ofHours(summary.retentionPeriodHours());
            return new KinesisStreamSource(client, StreamArn.parse(summary.streamARN()), settings, null, retention,
                    summary.streamCreationTimestamp());
        }
    }

    /** Reading with enhanced fan-out: the registered consumer and the client its subscriptions go out on. */
    private record FanOut(KinesisAsyncClient client, String consumerArn) {}
}
