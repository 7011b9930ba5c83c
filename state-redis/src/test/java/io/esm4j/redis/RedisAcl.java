package io.esm4j.redis;

import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.util.UUID;

/**
 * The ACL rules the README gives for each store with its default KeyPrefix, and users made with exactly those rules:
 * the contracts run as such users (Redis checks the commands a script calls too), so the README's rules are enough.
 */
final class RedisAcl {

    static final String LEASE_RULES = "~esm4j:leases:* +hgetall +hsetnx +hget +evalsha +eval +hset +hdel";
    static final String IDEMPOTENCY_RULES = "~esm4j:idempotency:* +evalsha +eval +hmget +del +hset +pexpire";

    private RedisAcl() {}

    /** Commands of a new connection as a new user that may do only what {@code rules} allow. */
    static RedisCommands<String, String> userWith(LocalRedis server, String rules) {
        String user = "esm4j-" + UUID.randomUUID();
        String password = UUID.randomUUID().toString();
        CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).add("SETUSER").add(user).add("on")
                .add(">" + password);
        for (String rule : rules.split(" ")) {
            args.add(rule);
        }
        server.connect().dispatch(CommandType.ACL, new StatusOutput<>(StringCodec.UTF8), args);
        return server.connectAs(user, password);
    }
}
