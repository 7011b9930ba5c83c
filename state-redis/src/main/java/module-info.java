/** Shard leases with fenced checkpoints and a durable idempotency store in Redis or Valkey. */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.esm4j.redis {
    requires transitive io.esm4j.core;
    // RedisLeaseStore and RedisIdempotencyStore take Lettuce's commands: public API.
    requires transitive lettuce.core;
    requires static org.jspecify;

    exports io.esm4j.redis;
}
