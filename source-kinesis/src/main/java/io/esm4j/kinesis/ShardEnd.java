package io.esm4j.kinesis;

/**
 * Whether a shard has ended, for when its subscription does not say so. Kinesis ends the last subscription to a
 * closed shard with an event that has child shards and no continuation sequence number; an emulator may keep
 * sending empty events instead. Once the shard listing shows the shard closed and an event without records
 * says the subscription has caught up, the reader asks with one GetRecords call after its position.
 */
interface ShardEnd {

    /** True once the shard listing has shown the shard closed (it has an ending sequence number). */
    boolean closed();

    /** True if the closed shard holds no record after {@code sequenceNumber}. */
    boolean readAfter(String sequenceNumber) throws Exception;
}
