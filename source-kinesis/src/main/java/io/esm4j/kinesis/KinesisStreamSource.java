package io.esm4j.kinesis;

import io.esm4j.failure.BatchInfo;
import io.esm4j.failure.BatchInfoStyle;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.filter.FilterDocument;
import io.esm4j.filter.FilterDocuments;
import io.esm4j.handler.RecordsJson;
import io.esm4j.internal.FailureRun;
import io.esm4j.internal.MappingLogName;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.Shard;
import io.esm4j.stream.ShardReader;
import io.esm4j.stream.StreamRecord;
import io.esm4j.stream.StreamSource;
import io.esm4j.stream.polling.Page;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.AwsServiceClientConfiguration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.AccessDeniedException;
import software.amazon.awssdk.services.kinesis.model.KinesisException;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;
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

    /**
     * Kinesis's default retention, and its minimum: assumed until DescribeStreamSummary has answered, and for good if
     * the client may not call it.
     */
    static final Duration DEFAULT_RETENTION = Duration.ofHours(24);
    private static final Logger LOG = LoggerFactory.getLogger(KinesisStreamSource.class);

    private final KinesisClient client;
    private final StreamArn arn;
    private final KinesisSourceSettings settings;
    private final @Nullable FanOut fanOut;
    /** The shards the last listing showed closed: for enhanced fan-out, whose events may not say so. */
    private volatile Set<String> closedShards = Set.of();
    private volatile Duration retention;
    /** False once DescribeStreamSummary was denied: the source then stops asking. */
    private volatile boolean retentionReadable = true;
    /** DescribeStreamSummary failing round after round (a deleted stream): one WARN, then a summary now and then. */
    private final FailureRun summaryFailures = new FailureRun();
    /** The stream's creation time when the source first read it, and as last read: they differ once it was recreated. */
    private volatile @Nullable Instant firstCreated;
    private volatile @Nullable Instant created;

    private KinesisStreamSource(KinesisClient client, StreamArn arn, KinesisSourceSettings settings,
                                @Nullable FanOut fanOut, Duration retention, @Nullable Instant created) {
        this.client = client;
        this.arn = arn;
        this.settings = settings;
        this.fanOut = fanOut;
        this.retention = retention;
        this.firstCreated = created;
        this.created = created;
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
        return Optional.of(retention);
    }

    /**
     * Every shard ListShards returns, page by page, open and closed, with its parent and adjacent parent. Also reads
     * the stream's retention again.
     */
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
     * @throws StreamRecreatedException from the first listing that finds the stream deleted and created again (its
     *         creation time changed) on: the leases' checkpoints are positions of the old stream, which the new one
     *         may not refuse (kinesis-mock serves an iterator at such a position, and reading from it returns nothing,
     *         for good). The engine shows it as the mapping's problem until the mapping is built again.
     */
    @Override
    public List<Shard> listShards() {
        refreshRetention();
        String recreated = recreation();
        if (recreated != null) {
            throw new StreamRecreatedException(recreated + "; the mapping's checkpoints are positions of the old "
                    + "stream. " + PositionNotInShardException.WHAT_TO_DO);
        }
        List<Shard> shards = new ArrayList<>();
        Set<String> closed = new HashSet<>();
        String nextToken = null;
        do {
            // Kinesis rejects the stream together with a NextToken. By ARN, not by name: a name is looked up in the
            // client's account, which may hold another stream of that name.
            ListShardsRequest request = nextToken == null
                    ? ListShardsRequest.builder().streamARN(arn.text()).build()
                    : ListShardsRequest.builder().nextToken(nextToken).build();
            ListShardsResponse response = client.listShards(request);
            for (software.amazon.awssdk.services.kinesis.model.Shard shard : response.shards()) {
                List<String> parents = Stream.of(shard.parentShardId(), shard.adjacentParentShardId())
                        .filter(Objects::nonNull).toList();
                shards.add(new Shard(shard.shardId(), parents));
                if (shard.sequenceNumberRange() != null
                        && shard.sequenceNumberRange().endingSequenceNumber() != null) {
                    closed.add(shard.shardId());
                }
            }
            nextToken = response.nextToken();
        } while (nextToken != null);
        closedShards = Set.copyOf(closed);
        return shards;
    }

    /**
     * A failed read keeps the retention read last: the listing, which the engine retries, does not fail for it. A
     * denied read (AccessDeniedException) is not tried again.
     */
    void refreshRetention() {
        if (!retentionReadable) {
            return;
        }
        try {
            StreamDescriptionSummary summary = client.describeStreamSummary(r -> r.streamARN(arn.text()))
                    .streamDescriptionSummary();
            Integer hours = summary.retentionPeriodHours();
            if (hours != null) {
                retention = Duration.ofHours(hours);
            }
            noteCreated(summary.streamCreationTimestamp());
            int ended = summaryFailures.succeeded();
            if (FailureRun.logRecovery(ended)) {
                MappingLogName.named(LOG.atInfo()).addKeyValue("stream", arn.text())
                        .addKeyValue("failuresInARow", ended)
                        .log("DescribeStreamSummary works again");
            }
        } catch (KinesisException e) {
            if (denied(e)) {
                retentionReadable = false;
                MappingLogName.named(LOG.atWarn()).addKeyValue("stream", arn.text()).addKeyValue("retention", retention)
                        .addKeyValue("error", e.getMessage())
                        .log("DescribeStreamSummary is not permitted; records are treated as expired after this "
                                + "retention");
            } else {
                keepRetention(e);
            }
        } catch (SdkException e) {
            keepRetention(e);
        }
    }

    /**
     * Kinesis answers a call the credentials may not make with HTTP 400 and {@code AccessDeniedException}, not 403; a
     * 403 (a refused signature) is taken as denied as well.
     */
    private static boolean denied(KinesisException e) {
        return e instanceof AccessDeniedException || e.statusCode() == 403
                || e.awsErrorDetails() != null && "AccessDeniedException".equals(e.awsErrorDetails().errorCode());
    }

    /**
     * Logged at a bounded rate: a deleted stream fails this call in every listing round, and the listing's own failure
     * (reported by the engine) says the rest.
     */
    private void keepRetention(SdkException e) {
        MappingLogName.named(FailureRun.log(LOG, summaryFailures.failed(), e, true)).addKeyValue("stream", arn.text())
                .addKeyValue("retention", retention)
                .log("DescribeStreamSummary failed; the retention read last still applies");
    }

    private void noteCreated(@Nullable Instant at) {
        if (at == null) {
            return;
        }
        if (firstCreated == null) {
            firstCreated = at;
        } else if (!at.equals(created) && !at.equals(firstCreated)) {
            MappingLogName.named(LOG.atError()).addKeyValue("stream", arn.text()).addKeyValue("created", at)
                    .addKeyValue("firstCreated", firstCreated)
                    .log("the stream was deleted and created again under the same name; the mapping's checkpoints "
                            + "are positions of the old stream and cannot be read from the new one");
        }
        created = at;
    }

    /**
     * Why positions of this stream's checkpoints may be unreadable: the stream was deleted and created again since the
     * source first read it (its creation time changed); null if the source has not seen that.
     */
    @Nullable String recreation() {
        Instant first = firstCreated;
        Instant last = created;
        return first != null && last != null && !first.equals(last)
                ? "stream " + arn.text() + " was deleted and created again (created " + last + "; the mapping began "
                        + "on the stream created " + first + ")"
                : null;
    }

    /**
     * A reader on the shard: with its first shard iterator already taken at {@code start}, or with enhanced fan-out,
     * its first SubscribeToShard call already made.
     */
    @Override
    public ShardReader<KinesisRecord> openReader(String shardId, ReadStart start) throws Exception {
        RecordConverter converter = new RecordConverter(shardId, settings.invokeIdentityArnFor(arn.partition(), arn.account()),
                arn.region(), arn.text());
        if (fanOut != null) {
            return KinesisFanOutReader.open(fanOut.client(), fanOut.consumerArn(), arn.text(), shardId, start,
                    converter, shardEnd(shardId, converter), settings, Clock.systemUTC());
        }
        return KinesisShardReader.open(client, arn.text(), shardId, start, converter, settings, this::recreation);
    }

    /** The closed-shard check of a fan-out reader: the last listing, then GetRecords through the polling calls. */
    private ShardEnd shardEnd(String shardId, RecordConverter converter) {
        KinesisShardReader calls = new KinesisShardReader(client, arn.text(), shardId, converter, this::recreation);
        return new ShardEnd() {
            @Override
            public boolean closed() {
                return closedShards.contains(shardId);
            }

            @Override
            public boolean readAfter(String sequenceNumber) throws InterruptedException {
                Page<KinesisRecord> page = calls.getRecords(
                        calls.openIterator(new ReadStart.AfterSequenceNumber(sequenceNumber)), 1);
                return page.records().isEmpty() && page.nextIterator() == null;
            }
        };
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
                requireRegion(client::serviceClientConfiguration, consumerStream, "KinesisClient");
                requireRegion(fanOut.client()::serviceClientConfiguration, consumerStream, "KinesisAsyncClient");
                return new KinesisStreamSource(client, consumerStream, settings, fanOut, DEFAULT_RETENTION, null);
            }
            if (streamArn != null) {
                StreamArn arn = StreamArn.parse(streamArn);
                requireRegion(client::serviceClientConfiguration, arn, "KinesisClient");
                return new KinesisStreamSource(client, arn, settings, null, DEFAULT_RETENTION, null);
            }
            if (streamName == null) {
                throw new IllegalArgumentException("a stream is needed: set streamName, streamArn or enhancedFanOut");
            }
            StreamDescriptionSummary summary = client.describeStreamSummary(r -> r.streamName(streamName))
                    .streamDescriptionSummary();
            Duration retention = summary.retentionPeriodHours() == null ? DEFAULT_RETENTION
                    : Duration.ofHours(summary.retentionPeriodHours());
            return new KinesisStreamSource(client, StreamArn.parse(summary.streamARN()), settings, null, retention,
                    summary.streamCreationTimestamp());
        }
    }

    /**
     * A client sends every call to its own region's endpoint, where Kinesis does not find another region's stream.
     * A client with an endpoint override (an emulator, a VPC endpoint) is trusted to reach the ARN's stream, and so is
     * one that does not report its configuration (a test double).
     */
    private static void requireRegion(Supplier<? extends AwsServiceClientConfiguration> client, StreamArn arn,
                                      String clientType) {
        AwsServiceClientConfiguration configuration;
        try {
            configuration = client.get();
        } catch (UnsupportedOperationException e) {
            return;
        }
        Region region = configuration.region();
        if (configuration.endpointOverride().isEmpty() && region != null && !region.id().equals(arn.region())) {
            throw new IllegalArgumentException("stream " + arn.text() + " is in region " + arn.region() + ", but the "
                    + clientType + " given for it is for region " + region.id() + "; expected a client of the "
                    + "stream's region");
        }
    }

    /** Reading with enhanced fan-out: the registered consumer and the client its subscriptions go out on. */
    private record FanOut(KinesisAsyncClient client, String consumerArn) {}

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
}
