package io.esm4j.redis;

import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseStore;
import io.esm4j.lease.LeaseWrite;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A {@link LeaseStore} in Redis or Valkey, for several workers sharing a stream: one hash per mapping
 * ({@code KeyPrefix} + mapping name), a field per shard holding the lease as JSON. {@code list} is one HGETALL,
 * {@code create} one HSETNX; every other write is one Lua script that compares the stored owner and counter with the
 * lease the caller holds and changes only its own fields (a renewal or checkpoint keeps a hand-off request another
 * worker recorded meanwhile), so each is atomic and conditional as the SPI requires.
 *
 * <p>Time plays no part: whether a lease is expired is each worker's own judgement of how long its counter stood
 * still. Lettuce sends a command again after a reconnect when it cannot tell whether the server got it; each write
 * carries an id of its own, which the lease keeps, so a write sent twice finds its own result and reports it as
 * written, while a second write of the same lease version (a new id) is refused as the SPI requires.
 *
 * <p>Each script touches one key, so the store also runs on Redis Cluster (a mapping's leases live on one node).
 * Thread-safe, as Lettuce's commands are.
 */
public final class RedisLeaseStore implements LeaseStore {

    /**
     * KEYS[1]: the mapping's hash. ARGV: shard, owner as seen ('' for none), counter as seen, operation, operand,
     * the write's id (a lease keeps the id of the write that made it, so that the same command sent again finds its
     * own result instead of a broken condition), and for a checkpoint its number from {@link #CHECKPOINT_WRITES}: a
     * checkpoint is refused when the lease holds a higher one, so that a late copy of an older checkpoint command
     * cannot move the checkpoint back; a take removes the number, as a new holder counts afresh.
     */
    private static final LuaScript WRITE = new LuaScript("""
            local raw = redis.call('HGET', KEYS[1], ARGV[1])
            if not raw then
              return {0}
            end
            local lease = cjson.decode(raw)
            if lease.write == ARGV[6] then
              return {1, raw}
            end
            local owner = lease.owner
            if owner == nil or owner == cjson.null then
              owner = ''
            end
            if owner ~= ARGV[2] or lease.counter ~= tonumber(ARGV[3]) then
              return {0, raw}
            end
            local operation = ARGV[4]
            if operation == 'delete' then
              redis.call('HDEL', KEYS[1], ARGV[1])
              return {1}
            elseif operation == 'take' then
              if owner ~= ARGV[5] then
                lease.switches = lease.switches + 1
              end
              lease.owner = ARGV[5]
              lease.counter = lease.counter + 1
              lease.handoffTo = nil
              lease.checkpointWrite = nil
              lease.failoverTimeMs = nil
              lease.failoverTimeCounter = nil
            elseif operation == 'renew' then
              lease.counter = lease.counter + 1
              if ARGV[5] == '' then
                lease.failoverTimeMs = nil
                lease.failoverTimeCounter = nil
              else
                lease.failoverTimeMs = tonumber(ARGV[5])
                lease.failoverTimeCounter = lease.counter
              end
            elseif operation == 'checkpoint' then
              local number = tonumber(ARGV[7])
              local last = lease.checkpointWrite
              if type(last) == 'number' and last > number then
                return {0, raw}
              end
              lease.checkpoint = cjson.decode(ARGV[5])
              lease.switches = 0
              lease.checkpointWrite = number
            elseif operation == 'release' then
              lease.owner = nil
              lease.counter = lease.counter + 1
              lease.handoffTo = nil
              lease.failoverTimeMs = nil
              lease.failoverTimeCounter = nil
            elseif operation == 'handoff' then
              lease.handoffTo = ARGV[5]
            else
              return redis.error_reply('unknown lease operation ' .. operation)
            end
            lease.write = ARGV[6]
            local written = cjson.encode(lease)
            redis.call('HSET', KEYS[1], ARGV[1], written)
            return {1, written}
            """);

    /**
     * Numbers this process's checkpoint writes in the order they are made. A checkpoint leaves owner and counter
     * alone, so they cannot order two checkpoints of one holder; this number does. Lettuce can deliver a checkpoint
     * command after its call gave up (a Redis Cluster connection replays, or follows a MOVED/ASK redirect with, a
     * command whose synchronous call timed out), and so after the holder's next checkpoint: without the number that
     * late copy would move the checkpoint back.
     */
    private static final AtomicLong CHECKPOINT_WRITES = new AtomicLong();

    private final RedisClusterCommands<String, String> redis;
    private final String prefix;

    /**
     * @param redis synchronous commands of a Lettuce connection with a String codec (or a Redis Cluster connection's);
     *              the caller owns and closes the connection
     */
    public RedisLeaseStore(RedisClusterCommands<String, String> redis, RedisLeaseStoreSettings settings) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.prefix = settings.keyPrefix();
    }

    @Override
    public List<Lease> list(String mapping) {
        List<Lease> leases = new ArrayList<>();
        for (Map.Entry<String, String> shard : redis.hgetall(key(mapping)).entrySet()) {
            leases.add(LeaseJson.read(mapping, shard.getKey(), shard.getValue()));
        }
        return leases;
    }

    @Override
    public boolean create(Lease lease) {
        return redis.hsetnx(key(lease.mapping()), lease.shardId(), LeaseJson.write(lease));
    }

    @Override
    public LeaseWrite take(Lease seen, String worker) {
        Objects.requireNonNull(worker, "worker");
        return write(seen, "take", worker);
    }

    /**
     * Records {@code held.ownerFailoverTime()} with the new counter ({@code failoverTimeCounter}): a script of an
     * older version decodes and encodes the whole lease, keeping fields it does not know, while it moves the counter
     * on; the value then no longer matches the counter and reads as unknown instead of as the new holder's.
     */
    @Override
    public LeaseWrite renew(Lease held) {
        return byHolder(held, "renew",
                held.ownerFailoverTime() == null ? "" : Long.toString(held.ownerFailoverTime().toMillis()));
    }

    @Override
    public LeaseWrite checkpoint(Lease held, Checkpoint checkpoint) {
        Objects.requireNonNull(checkpoint, "checkpoint");
        return byHolder(held, "checkpoint", LeaseJson.write(checkpoint), CHECKPOINT_WRITES.incrementAndGet());
    }

    @Override
    public LeaseWrite release(Lease held) {
        return byHolder(held, "release", "");
    }

    @Override
    public LeaseWrite requestHandoff(Lease seen, String worker) {
        Objects.requireNonNull(worker, "worker");
        return byHolder(seen, "handoff", worker);
    }

    @Override
    public boolean delete(Lease seen) {
        return write(seen, "delete", "") instanceof LeaseWrite.Written;
    }

    /** A write on a lease as its owner holds it: a lease seen without an owner is nobody's to write. */
    private LeaseWrite byHolder(Lease held, String operation, String operand) {
        return byHolder(held, operation, operand, 0);
    }

    /** @param checkpointWrite the checkpoint's number from {@link #CHECKPOINT_WRITES}; 0 for other operations */
    private LeaseWrite byHolder(Lease held, String operation, String operand, long checkpointWrite) {
        if (held.owner() == null) {
            return new LeaseWrite.Lost(current(held));
        }
        return write(held, operation, operand, UUID.randomUUID().toString(), checkpointWrite);
    }

    private LeaseWrite write(Lease seen, String operation, String operand) {
        return write(seen, operation, operand, UUID.randomUUID().toString());
    }

    /** One conditional write; {@code writeId} tells a command sent twice from a second write (tests send one twice). */
    LeaseWrite write(Lease seen, String operation, String operand, String writeId) {
        return write(seen, operation, operand, writeId, 0);
    }

    /** @param checkpointWrite the checkpoint's number from {@link #CHECKPOINT_WRITES}; unused by other operations */
    private LeaseWrite write(Lease seen, String operation, String operand, String writeId, long checkpointWrite) {
        List<Object> result = WRITE.run(redis, ScriptOutputType.MULTI, key(seen.mapping()), seen.shardId(),
                seen.owner() == null ? "" : seen.owner(), Long.toString(seen.counter()), operation, operand, writeId,
                Long.toString(checkpointWrite));
        boolean written = ((Long) result.get(0)) == 1L;
        Lease lease = result.size() > 1 ? LeaseJson.read(seen.mapping(), seen.shardId(), (String) result.get(1)) : null;
        if (written) {
            // A delete returns no lease: nothing is stored any more.
            return new LeaseWrite.Written(lease == null ? seen : lease);
        }
        return new LeaseWrite.Lost(lease);
    }

    private @Nullable Lease current(Lease lease) {
        String json = redis.hget(key(lease.mapping()), lease.shardId());
        return json == null ? null : LeaseJson.read(lease.mapping(), lease.shardId(), json);
    }

    private String key(String mapping) {
        return prefix + mapping;
    }
}
