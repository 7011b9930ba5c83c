package io.esm4j.kinesis;

import io.esm4j.filter.FilterDocument;
import io.esm4j.failure.BatchInfo;
import io.esm4j.failure.BatchInfoStyle;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.filter.FilterDocuments;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.Shard;
import io.esm4j.stream.ShardReader;
import io.esm4j.stream.StreamRecord;
import io.esm4j.stream.StreamSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;

/**
 * A Kinesis data stream as a stream source, on the AWS SDK v2 {@link KinesisClient}: it lists shards with their
 * parents (split and merge lineage), reads each with GetRecords within the shard's call budget, de-aggregates KPL
 * records and hands the handler Lambda-shaped {@link KinesisRecord}s.
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

    private KinesisStreamSource(KinesisClient client, StreamArn arn, KinesisSourceSettings settings) {
        this.client = client;
        this.arn = arn;
        this.settings = settings;
    }

    public static Builder builder(KinesisClient client) {
        return new Builder(client);
    }

    @Override
    public Set<String> filterableKeys() {
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

    /** {@code KinesisBatchInfo}, with millisecond arrival times. */
    @Override
    public BatchInfo batchInfo(String shardId, List<StreamRecord<KinesisRecord>> records) {
        return StreamBatchInfo.of(BatchInfoStyle.KINESIS, shardId, records, arn.text());
    }

    /** Every shard ListShards returns, page by page, open and closed, with its parent and adjacent parent. */
    @Override
    public List<Shard> listShards() {
        List<Shard> shards = new ArrayList<>();
        String nextToken = null;
        do {
            // Kinesis rejects the stream name together with a NextToken.
            ListShardsRequest request = nextToken == null
                    ? ListShardsRequest.builder().streamName(arn.streamName()).build()
                    : ListShardsRequest.builder().nextToken(nextToken).build();
            ListShardsResponse response = client.listShards(request);
            for (software.amazon.awssdk.services.kinesis.model.Shard shard : response.shards()) {
                List<String> parents = Stream.of(shard.parentShardId(), shard.adjacentParentShardId())
                        .filter(Objects::nonNull).toList();
                shards.add(new Shard(shard.shardId(), parents));
            }
            nextToken = response.nextToken();
        } while (nextToken != null);
        return shards;
    }

    /** A reader on the shard, with its first shard iterator already taken at {@code start}. */
    @Override
    public ShardReader<KinesisRecord> openReader(String shardId, ReadStart start) throws Exception {
        RecordConverter converter = new RecordConverter(shardId, settings.invokeIdentityArnFor(arn.account()),
                arn.region(), arn.text());
        return KinesisShardReader.open(client, arn.streamName(), shardId, start, converter, settings);
    }

    public static final class Builder {
        private final KinesisClient client;
        private @Nullable String streamName;
        private @Nullable String streamArn;
        private KinesisSourceSettings settings = KinesisSourceSettings.defaults();

        private Builder(KinesisClient client) {
            this.client = Objects.requireNonNull(client, "client");
        }

        /** The stream by name; {@link #build()} then asks Kinesis for its ARN. */
        public Builder streamName(String streamName) {
            this.streamName = streamName;
            return this;
        }

        /** The stream by ARN ({@code arn:aws:kinesis:<region>:<account>:stream/<name>}); no call at build time. */
        public Builder streamArn(String streamArn) {
            this.streamArn = streamArn;
            return this;
        }

        public Builder settings(KinesisSourceSettings settings) {
            this.settings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /** Builds the source; with only a stream name, this calls DescribeStreamSummary once. */
        public KinesisStreamSource build() {
            if ((streamName == null) == (streamArn == null)) {
                throw new IllegalArgumentException("exactly one of streamName and streamArn must be set, but got "
                        + "streamName=" + streamName + " and streamArn=" + streamArn);
            }
            String text = streamArn != null ? streamArn
                    : client.describeStreamSummary(r -> r.streamName(streamName)).streamDescriptionSummary()
                            .streamARN();
            return new KinesisStreamSource(client, StreamArn.parse(text), settings);
        }
    }

    /** The parts of a stream ARN that go into events: region, account and name. */
    record StreamArn(String text, String region, String account, String streamName) {

        static StreamArn parse(String text) {
            String[] parts = text.split(":", 6);
            if (parts.length != 6 || !parts[0].equals("arn") || !parts[2].equals("kinesis")
                    || !parts[5].startsWith("stream/") || parts[5].length() == "stream/".length()) {
                throw new IllegalArgumentException("expected a Kinesis stream ARN like "
                        + "arn:aws:kinesis:us-east-1:123456789012:stream/name but got '" + text + "'");
            }
            return new StreamArn(text, parts[3], parts[4], parts[5].substring("stream/".length()));
        }
    }
}
