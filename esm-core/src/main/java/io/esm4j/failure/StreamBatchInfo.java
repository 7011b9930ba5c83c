package io.esm4j.failure;

import java.time.Instant;

/**
 * The {@code KinesisBatchInfo} / {@code DDBStreamBatchInfo} object of a stream failure record: the range of
 * records that was given up.
 */
public record StreamBatchInfo(
        String shardId,
        String startSequenceNumber,
        String endSequenceNumber,
        Instant approximateArrivalOfFirstRecord,
        Instant approximateArrivalOfLastRecord,
        int batchSize,
        String streamArn) {}
