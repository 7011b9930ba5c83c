package io.esm4j.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A Lua script on one key, run by its SHA-1 (EVALSHA, one round trip with a short request), and sent whole (EVAL,
 * which also caches it) when the server does not know it yet: a new server, a restart, a SCRIPT FLUSH, a failover.
 */
record LuaScript(String text, String sha1) {

    LuaScript(String text) {
        this(text, sha1Hex(text));
    }

    <T> T run(RedisClusterCommands<String, String> redis, ScriptOutputType output, String key, String... args) {
        String[] keys = {key};
        try {
            return redis.evalsha(sha1, output, keys, args);
        } catch (RedisNoScriptException e) {
            return redis.eval(text, output, keys, args);
        }
    }

    private static String sha1Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM; every Java platform has it", e);
        }
    }
}
