package io.esm4j.kinesis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.waiters.WaiterOverrideConfiguration;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;
import software.amazon.awssdk.services.kinesis.waiters.KinesisWaiter;

/** Creating streams and writing records in tests, examples and benchmarks; public for state-dynamodb's tests. */
public final class TestStreams {

    /** A record as written: its key and data, and where Kinesis put it. */
    public record Put(String partitionKey, String data, String shardId, String sequenceNumber) {}

    private static final int PUT_RECORDS_MAX = 500;

    private TestStreams() {}

    /** Creates a stream and waits until it is ACTIVE. */
    public static void create(KinesisClient client, String stream, int shards) {
        client.createStream(r -> r.streamName(stream).shardCount(shards));
        awaitActive(client, stream);
    }

    /**
     * Waits until the stream is ACTIVE, polling every 100 ms (the SDK's own waiter first retries after 10 s); throws
     * if it is not within 30 s.
     */
    public static void awaitActive(KinesisClient client, String stream) {
        try (KinesisWaiter waiter = KinesisWaiter.builder().client(client)
                .overrideConfiguration(WaiterOverrideConfiguration.builder()
                        .backoffStrategyV2(BackoffStrategy.fixedDelayWithoutJitter(Duration.ofMillis(100)))
                        .maxAttempts(300).build())
                .build()) {
            waiter.waitUntilStreamExists(r -> r.streamName(stream));
        }
    }

    /** Puts records with data {@code r<from>}…, and keys {@code k<i % keys>}, in order. */
    public static List<Put> putNumbered(KinesisClient client, String stream, int from, int count, int keys) {
        List<String[]> records = new ArrayList<>(count);
        for (int i = from; i < from + count; i++) {
            records.add(new String[] {"k" + (i % keys), "r" + i});
        }
        return put(client, stream, records);
    }

    /** Puts {key, data} pairs in order, in PutRecords calls of up to 500. */
    public static List<Put> put(KinesisClient client, String stream, List<String[]> records) {
        List<Put> puts = new ArrayList<>(records.size());
        for (int start = 0; start < records.size(); start += PUT_RECORDS_MAX) {
            List<String[]> chunk = records.subList(start, Math.min(records.size(), start + PUT_RECORDS_MAX));
            List<PutRecordsRequestEntry> entries = chunk.stream().map(r -> PutRecordsRequestEntry.builder()
                    .partitionKey(r[0]).data(SdkBytes.fromUtf8String(r[1])).build()).toList();
            PutRecordsResponse response = client.putRecords(p -> p.streamName(stream).records(entries));
            if (response.failedRecordCount() != null && response.failedRecordCount() > 0) {
                throw new IllegalStateException(response.failedRecordCount() + " records were not put");
            }
            for (int i = 0; i < chunk.size(); i++) {
                PutRecordsResultEntry result = response.records().get(i);
                puts.add(new Put(chunk.get(i)[0], chunk.get(i)[1], result.shardId(), result.sequenceNumber()));
            }
        }
        return puts;
    }

    /** Puts one record with raw data (a KPL aggregate, say); returns its sequence number. */
    public static String putBytes(KinesisClient client, String stream, String partitionKey, byte[] data) {
        return client.putRecord(r -> r.streamName(stream).partitionKey(partitionKey).data(SdkBytes.fromByteArray(data)))
                .sequenceNumber();
    }
}
