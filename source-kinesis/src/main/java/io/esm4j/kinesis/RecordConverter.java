package io.esm4j.kinesis;

import io.esm4j.stream.StreamRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.kinesis.model.Record;

/** Turns the Kinesis records of one shard into the engine's records, de-aggregating KPL aggregates. */
final class RecordConverter {

    private final String shardId;
    private final String invokeIdentityArn;
    private final String awsRegion;
    private final String streamArn;

    RecordConverter(String shardId, String invokeIdentityArn, String awsRegion, String streamArn) {
        this.shardId = shardId;
        this.invokeIdentityArn = invokeIdentityArn;
        this.awsRegion = awsRegion;
        this.streamArn = streamArn;
    }

    /** The user records in one Kinesis record: itself, or the sub-records of a KPL aggregate. */
    List<StreamRecord<KinesisRecord>> convert(Record record) {
        byte[] data = record.data().asByteArrayUnsafe();
        // An emulator may leave the arrival time out; "now" keeps age-based discards from firing on it.
        Instant arrival = record.approximateArrivalTimestamp() != null ? record.approximateArrivalTimestamp()
                : Instant.now();
        String encryption = record.encryptionTypeAsString();
        Optional<List<KplAggregate.UserRecord>> aggregate = KplAggregate.decode(data);
        if (aggregate.isEmpty()) {
            KinesisPosition position = KinesisPosition.plain(record.sequenceNumber());
            return List.of(toStreamRecord(position, record.partitionKey(), data, arrival, encryption));
        }
        List<KplAggregate.UserRecord> users = aggregate.get();
        List<StreamRecord<KinesisRecord>> records = new ArrayList<>(users.size());
        for (int i = 0; i < users.size(); i++) {
            KplAggregate.UserRecord user = users.get(i);
            KinesisPosition position = new KinesisPosition(record.sequenceNumber(), i);
            records.add(toStreamRecord(position, user.partitionKey(), user.data(), arrival, encryption));
        }
        return records;
    }

    private StreamRecord<KinesisRecord> toStreamRecord(KinesisPosition position, String partitionKey, byte[] data,
                                                       Instant arrival, String encryption) {
        String sequenceNumber = position.toString();
        KinesisRecord.Kinesis kinesis = KinesisRecord.Kinesis.of(partitionKey, sequenceNumber, data, arrival,
                encryption);
        KinesisRecord payload = KinesisRecord.of(shardId, kinesis, invokeIdentityArn, awsRegion, streamArn);
        // Its size in the event JSON as written, escapes and UTF-8 included: a partition key of 256 non-ASCII
        // characters takes up to 768 bytes there.
        return new StreamRecord<>(shardId, sequenceNumber, partitionKey, arrival, KinesisEventJson.size(payload),
                payload);
    }
}
