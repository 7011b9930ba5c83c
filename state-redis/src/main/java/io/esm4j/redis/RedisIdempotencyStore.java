package io.esm4j.redis;

import io.esm4j.idempotency.AcquireResult;
import io.esm4j.idempotency.IdempotencyStore;
import io.esm4j.idempotency.StoredKeys;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An {@link IdempotencyStore} in Redis or Valkey, shared by every consumer that reaches the same database: one hash
 * per key ({@code status}, {@code expiry}, {@code owner} while INPROGRESS, {@code hash} with payload validation), and
 * every operation one Lua script on that one key, so each is atomic and a duplicate costs one round trip.
 * <ul>
 *   <li>{@code acquire}: writes an INPROGRESS entry if the key is absent or expired, else returns what holds it;</li>
 *   <li>{@code complete}: writes a COMPLETED entry, whatever was there;</li>
 *   <li>{@code extend}: moves the expiry of the entry if it is a live INPROGRESS claim of the given owner;</li>
 *   <li>{@code release}: deletes the entry if it is INPROGRESS for the given owner.</li>
 * </ul>
 * Expiry is compared by the store, against this process's clock (the scripts get "now" from it): an expired entry
 * counts as absent whether or not Redis has deleted it yet. Redis deletes each key {@code CleanupDelay} after its
 * expiry, counted from the write (PEXPIRE, relative), so its own clock plays no part. Consumers on several hosts
 * compare one host's expiry with another's clock, as with any shared store: keep clocks in sync (NTP), expiries well
 * above the skew and {@code CleanupDelay} above it too.
 *
 * <p>The Redis key is {@code KeyPrefix} + the idempotency key, or + its SHA-256 when the key has a lone surrogate,
 * which UTF-8 cannot carry ({@link StoredKeys}). Scripts touch only their one key, so the store also runs on Redis
 * Cluster (pass the cluster connection's commands). Payloads never reach Redis: only their SHA-256, when payload
 * validation is on. Thread-safe, as Lettuce's commands are.
 */
public final class RedisIdempotencyStore implements IdempotencyStore {

    private static final String COMPLETED = "COMPLETED";
    /** Stands for "no payload hash" in the scripts' arguments: a SHA-256 hex is never empty. */
    private static final String NO_HASH = "";
    /** Epoch nanoseconds, zero-padded to one width so that Lua compares them as strings in numeric order. */
    private static final String EXPIRY_FORMAT = "%020d";

    /** KEYS[1]; ARGV: now, expiry, owner, hash, milliseconds until Redis deletes the key. */
    private static final LuaScript ACQUIRE = new LuaScript("""
            local held = redis.call('HMGET', KEYS[1], 'status', 'expiry', 'hash', 'owner')
            if held[1] and held[2] and held[2] > ARGV[1] then
              if held[1] == 'INPROGRESS' and held[4] == ARGV[3] then
                return {}
              end
              return {held[1], held[2], held[3] or ''}
            end
            redis.call('DEL', KEYS[1])
            redis.call('HSET', KEYS[1], 'status', 'INPROGRESS', 'expiry', ARGV[2], 'owner', ARGV[3])
            if ARGV[4] ~= '' then
              redis.call('HSET', KEYS[1], 'hash', ARGV[4])
            end
            redis.call('PEXPIRE', KEYS[1], ARGV[5])
            return {}
            """);
    /** KEYS[1]; ARGV: expiry, hash, milliseconds until Redis deletes the key. */
    private static final LuaScript COMPLETE = new LuaScript("""
            redis.call('DEL', KEYS[1])
            redis.call('HSET', KEYS[1], 'status', 'COMPLETED', 'expiry', ARGV[1])
            if ARGV[2] ~= '' then
              redis.call('HSET', KEYS[1], 'hash', ARGV[2])
            end
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            return 1
            """);
    /** KEYS[1]; ARGV: now, expiry, owner, milliseconds until Redis deletes the key. */
    private static final LuaScript EXTEND = new LuaScript("""
            local held = redis.call('HMGET', KEYS[1], 'status', 'expiry', 'owner')
            if held[1] == 'INPROGRESS' and held[2] and held[2] > ARGV[1] and held[3] == ARGV[3] then
              redis.call('HSET', KEYS[1], 'expiry', ARGV[2])
              redis.call('PEXPIRE', KEYS[1], ARGV[4])
              return 1
            end
            return 0
            """);
    /** KEYS[1]; ARGV: owner. */
    private static final LuaScript RELEASE = new LuaScript("""
            local held = redis.call('HMGET', KEYS[1], 'status', 'owner')
            if held[1] == 'INPROGRESS' and held[2] == ARGV[1] then
              redis.call('DEL', KEYS[1])
              return 1
            end
            return 0
            """);

    private final RedisClusterCommands<String, String> redis;
    private final Clock clock;
    private final String prefix;
    private final Duration cleanupDelay;

    /**
     * @param redis    synchronous commands of a Lettuce connection with a String codec ({@code RedisClient.create(uri)
     *                 .connect().sync()}, or a Redis Cluster connection's); the caller owns and closes the connection
     * @param clock    decides when entries have expired; the same clock the deduplicator computes expiries with
     */
    public RedisIdempotencyStore(RedisClusterCommands<String, String> redis, RedisIdempotencyStoreSettings settings,
                                 Clock clock) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.prefix = settings.keyPrefix();
        this.cleanupDelay = settings.cleanupDelay();
    }

    @Override
    public AcquireResult acquire(String key, @Nullable String payloadHash, String owner, Instant inProgressExpiry) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(inProgressExpiry, "inProgressExpiry");
        Instant now = clock.instant();
        List<String> held = ACQUIRE.run(redis, ScriptOutputType.MULTI, redisKey(key), expiry(now),
                expiry(inProgressExpiry), owner, hash(payloadHash), deleteAfter(now, inProgressExpiry));
        if (held.isEmpty()) {
            return AcquireResult.Acquired.INSTANCE;
        }
        Instant expiry = instant(held.get(1));
        String hash = held.get(2).isEmpty() ? null : held.get(2);
        if (COMPLETED.equals(held.get(0))) {
            return new AcquireResult.AlreadyCompleted(hash, expiry);
        }
        return new AcquireResult.InProgressElsewhere(expiry, hash);
    }

    @Override
    public void complete(String key, @Nullable String payloadHash, Instant ttlExpiry) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(ttlExpiry, "ttlExpiry");
        COMPLETE.run(redis, ScriptOutputType.INTEGER, redisKey(key), expiry(ttlExpiry), hash(payloadHash),
                deleteAfter(clock.instant(), ttlExpiry));
    }

    @Override
    public boolean extend(String key, @Nullable String payloadHash, String owner, Instant inProgressExpiry) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(inProgressExpiry, "inProgressExpiry");
        Instant now = clock.instant();
        Long extended = EXTEND.run(redis, ScriptOutputType.INTEGER, redisKey(key), expiry(now),
                expiry(inProgressExpiry), owner, deleteAfter(now, inProgressExpiry));
        return extended != null && extended == 1L;
    }

    @Override
    public boolean release(String key, String owner) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(owner, "owner");
        Long deleted = RELEASE.run(redis, ScriptOutputType.INTEGER, redisKey(key), owner);
        return deleted != null && deleted == 1L;
    }

    private String redisKey(String key) {
        return prefix + StoredKeys.storable(key, Long.MAX_VALUE);
    }

    private static String hash(@Nullable String payloadHash) {
        if (payloadHash != null && payloadHash.isEmpty()) {
            throw new IllegalArgumentException("payloadHash is empty. Expected a SHA-256 hex, or null without payload "
                    + "validation.");
        }
        return payloadHash == null ? NO_HASH : payloadHash;
    }

    /** Milliseconds from now until Redis may delete the key: its expiry (rounded up) plus the cleanup delay. */
    private String deleteAfter(Instant now, Instant expiry) {
        Duration untilExpiry = Duration.between(now, expiry);
        long millis = untilExpiry.toMillis() + (untilExpiry.toNanosPart() % 1_000_000 > 0 ? 1 : 0);
        return Long.toString(Math.addExact(millis, cleanupDelay.toMillis()));
    }

    private static String expiry(Instant instant) {
        if (instant.isBefore(Instant.EPOCH)) {
            throw new IllegalArgumentException("expiry " + instant + " is before 1970. Expected an instant after it.");
        }
        long nanos;
        try {
            nanos = Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("expiry " + instant + " is past 2262. Expected an earlier instant.", e);
        }
        return String.format(EXPIRY_FORMAT, nanos);
    }

    private static Instant instant(String expiry) {
        try {
            long nanos = Long.parseLong(expiry);
            return Instant.ofEpochSecond(0, nanos);
        } catch (NumberFormatException e) {
            // Keys can be payload data: the message leaves the key out.
            throw new IllegalStateException("An idempotency entry in Redis has expiry '" + expiry + "'. Expected "
                    + "epoch nanoseconds written by esm4j; does something else write keys under this prefix?", e);
        }
    }
}
