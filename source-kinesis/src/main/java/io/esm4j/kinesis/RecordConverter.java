package io.esm4j.kinesis;

import io.esm4j.handler.JsonSize;
import io.esm4j.stream.StreamRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.kinesis.model.Record;

/** Turns the Kinesis records of one shard into the engine's records, de-aggregating KPL aggregates. */
final class RecordConverter {

    /**
     * The fields of a record's JSON that do not grow with its data, in bytes, rounded up: what the 6 MB invocation
     * cap and the memory bounds count besides data and key.
     */
    private static final int JSON_OVERHEAD = 320;

    private final String shardId;
    private final String invokeIdentityArn;
    private final String awsRegion;
    private final String streamArn;
    private final int fixedSize;

    RecordConverter(String shardId, String invokeIdentityArn, String awsRegion, String streamArn) {
        this.shardId = shardId;
        this.invokeIdentityArn = invokeIdentityArn;
        this.awsRegion = awsRegion;
        this.streamArn = streamArn;
        this.fixedSize = JSON_OVERHEAD + shardId.length() + invokeIdentityArn.length() + awsRegion.length()
                + streamArn.length();
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
        return new StreamRecord<>(shardId, sequenceNumber, partitionKey, arrival,
                jsonSize(data.length, partitionKey, sequenceNumber), payload);
    }

    /** The record's size in the event JSON: base64 data, key, sequence number (twice, with eventID) and the rest. */
    private int jsonSize(int dataLength, String partitionKey, String sequenceNumber) {
        long base64 = JsonSize.base64(dataLength);
        return (int) Math.min(Integer.MAX_VALUE, base64 + partitionKey.length() + 2L * sequenceNumber.length()
                + fixedSize);
    }
}
