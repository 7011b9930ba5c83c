package io.esm4j.dynamodb;

import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

/**
 * Reads a KCL 2.x/3.x application's lease table (read only), so that esm4j continues where the KCL stopped: its
 * items have the key {@code leaseKey} (the shard id, for an application that reads one stream) and the position in
 * {@code checkpoint} plus {@code checkpointSubSequenceNumber}.
 *
 * <p>How a KCL checkpoint becomes an esm4j one:
 * <ul>
 *   <li>a sequence number {@code S} with sub-sequence number {@code k} becomes {@code S/k}, the Kinesis source's
 *       text for "after user record k of the record S", also for k = 0: the KCL writes (S, 0) both for a plain
 *       record and for the first user record of a KPL aggregate, and {@code S/0} resumes correctly after either (the
 *       source reads S again and drops what is not after it), where a plain {@code S} would skip the rest of an
 *       aggregate;</li>
 *   <li>SHARD_END, TRIM_HORIZON and LATEST are taken as they are;</li>
 *   <li>AT_TIMESTAMP (the KCL keeps its timestamp in the application's configuration, not in the table), no item, or
 *       no checkpoint: the mapping's own starting position.</li>
 * </ul>
 */
final class KclCheckpoints {

    private static final Logger LOG = LoggerFactory.getLogger(KclCheckpoints.class);
    static final String LEASE_KEY = "leaseKey";
    static final String CHECKPOINT = "checkpoint";
    static final String SUB_SEQUENCE = "checkpointSubSequenceNumber";

    private final DynamoDbClient client;
    private final String table;

    KclCheckpoints(DynamoDbClient client, String table) {
        this.client = client;
        this.table = table;
    }

    /** The lease to create: {@code lease} with the KCL's checkpoint of its shard, if the KCL table has one. */
    Lease continueFrom(Lease lease) {
        Optional<Checkpoint> kcl = checkpoint(lease.shardId());
        if (kcl.isEmpty()) {
            return lease;
        }
        LOG.atInfo().addKeyValue("mapping", lease.mapping()).addKeyValue("shardId", lease.shardId())
                .addKeyValue("kclLeaseTable", table).addKeyValue("from", kcl.get())
                .log("new lease continues from the KCL's checkpoint");
        return new Lease(lease.mapping(), lease.shardId(), lease.owner(), lease.counter(), kcl.get(),
                lease.parentIds(), lease.ownerSwitchesSinceCheckpoint());
    }

    Optional<Checkpoint> checkpoint(String shardId) {
        Map<String, AttributeValue> item;
        try {
            item = client.getItem(r -> r.tableName(table).key(Map.of(LEASE_KEY, AttributeValue.fromS(shardId)))
                    .consistentRead(true)).item();
        } catch (ResourceNotFoundException e) {
            throw new IllegalStateException("The KCL lease table '" + table + "' (KclLeaseTable) does not exist. "
                    + "Expected the lease table of the KCL application to continue from (the KCL names it after the "
                    + "application), or no KclLeaseTable.", e);
        }
        if (item == null || item.isEmpty() || item.get(CHECKPOINT) == null || item.get(CHECKPOINT).s() == null) {
            return Optional.empty();
        }
        String checkpoint = item.get(CHECKPOINT).s();
        return switch (checkpoint) {
            case LeaseItems.SHARD_END -> Optional.of(Checkpoint.ShardEnd.INSTANCE);
            case LeaseItems.TRIM_HORIZON -> Optional.of(Checkpoint.TrimHorizon.INSTANCE);
            case LeaseItems.LATEST -> Optional.of(Checkpoint.Latest.INSTANCE);
            case LeaseItems.AT_TIMESTAMP -> Optional.empty();
            default -> Optional.of(new Checkpoint.AtSequenceNumber(sequence(shardId, checkpoint, item)));
        };
    }

    private String sequence(String shardId, String checkpoint, Map<String, AttributeValue> item) {
        if (checkpoint.isEmpty() || !checkpoint.chars().allMatch(Character::isDigit)) {
            throw new IllegalStateException("The KCL lease table '" + table + "' has checkpoint '" + checkpoint
                    + "' for shard " + shardId + ". Expected a sequence number (digits) or one of SHARD_END, "
                    + "TRIM_HORIZON, LATEST, AT_TIMESTAMP.");
        }
        AttributeValue sub = item.get(SUB_SEQUENCE);
        long subSequence = 0;
        if (sub != null && sub.n() != null) {
            try {
                subSequence = Long.parseLong(sub.n());
            } catch (NumberFormatException e) {
                subSequence = -1;
            }
            if (subSequence < 0) {
                throw new IllegalStateException("The KCL lease table '" + table + "' has " + SUB_SEQUENCE + " "
                        + sub.n() + " for shard " + shardId + ". Expected a whole number from 0.");
            }
        }
        return checkpoint + "/" + subSequence;
    }
}
