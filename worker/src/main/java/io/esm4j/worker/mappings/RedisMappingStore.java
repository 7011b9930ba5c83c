package io.esm4j.worker.mappings;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.esm4j.worker.config.MappingSpec;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The API's mappings in Redis or Valkey, shared by every worker given the same server (the worker's
 * {@code --mapping-redis}), as {@link DynamoDbMappingStore} shares them through a table. Two hashes with one hash tag
 * (so that they live on one node of a cluster): {@value #MAPPINGS} holds each mapping under its UUID as
 * {@code {"revision":n,"lastModified":epochMillis,"request":{...}}}, and {@value #CLAIMS} the UUID of the mapping
 * that holds each source and function pair (field {@code <source>\n<FunctionArn>}, {@link SourcePairs}). Every
 * write is one Lua script over both, so a mapping and its claim change together: create if the UUID is absent and the
 * pair free, replace and delete only at the revision the worker read. The scripts go by EVAL: mappings change by API
 * call, rarely.
 */
public final class RedisMappingStore implements MappingStore {

    static final String MAPPINGS = "esm4j:worker:{mappings}";
    static final String CLAIMS = "esm4j:worker:{mappings}:claims";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** ARGV: uuid, pair, value. */
    private static final String CREATE = """
            if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
              return {'uuid'}
            end
            local holder = redis.call('HGET', KEYS[2], ARGV[2])
            if holder and holder ~= ARGV[1] and redis.call('HEXISTS', KEYS[1], holder) == 1 then
              return {'pair', holder}
            end
            redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
            return {'ok'}
            """;
    /** ARGV: uuid, revision read, pair read, new pair, new value. */
    private static final String REPLACE = """
            local current = redis.call('HGET', KEYS[1], ARGV[1])
            if not current or cjson.decode(current).revision ~= tonumber(ARGV[2]) then
              return {'changed'}
            end
            if ARGV[3] ~= ARGV[4] then
              local holder = redis.call('HGET', KEYS[2], ARGV[4])
              if holder and holder ~= ARGV[1] and redis.call('HEXISTS', KEYS[1], holder) == 1 then
                return {'pair', holder}
              end
              redis.call('HSET', KEYS[2], ARGV[4], ARGV[1])
              if redis.call('HGET', KEYS[2], ARGV[3]) == ARGV[1] then
                redis.call('HDEL', KEYS[2], ARGV[3])
              end
            end
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[5])
            return {'ok'}
            """;
    /** ARGV: uuid, revision read, pair read. */
    private static final String DELETE = """
            local current = redis.call('HGET', KEYS[1], ARGV[1])
            if not current or cjson.decode(current).revision ~= tonumber(ARGV[2]) then
              return {'changed'}
            end
            redis.call('HDEL', KEYS[1], ARGV[1])
            if redis.call('HGET', KEYS[2], ARGV[3]) == ARGV[1] then
              redis.call('HDEL', KEYS[2], ARGV[3])
            end
            return {'ok'}
            """;

    private final RedisClusterCommands<String, String> redis;
    private final SourcePairs pairs;

    /**
     * @param redis synchronous commands of a Lettuce connection with a String codec; the caller closes it
     * @param pairs tells source and function pairs apart, as the registry does: the claims' fields
     */
    public RedisMappingStore(RedisClusterCommands<String, String> redis, SourcePairs pairs) {
        this.redis = redis;
        this.pairs = pairs;
    }

    @Override
    public List<Stored> load() {
        List<Stored> stored = new ArrayList<>();
        for (Map.Entry<String, String> mapping : redis.hgetall(MAPPINGS).entrySet()) {
            stored.add(fromValue(mapping.getKey(), mapping.getValue()));
        }
        return stored;
    }

    @Override
    public void create(Stored mapping) {
        List<String> result = run(CREATE, mapping.uuid(), pairs.of(mapping.spec()), toValue(mapping));
        switch (result.getFirst()) {
            case "uuid" -> throw MappingConflictException.uuidTaken(mapping.uuid(), location());
            case "pair" -> throw MappingConflictException.pairTaken(mapping.spec(), result.get(1));
            default -> { }
        }
    }

    @Override
    public void replace(Stored current, Stored next) {
        List<String> result = run(REPLACE, current.uuid(), Long.toString(current.revision()),
                pairs.of(current.spec()), pairs.of(next.spec()), toValue(next));
        switch (result.getFirst()) {
            case "changed" -> throw MappingConflictException.changedElsewhere(current, location());
            case "pair" -> throw MappingConflictException.pairTaken(next.spec(), result.get(1));
            default -> { }
        }
    }

    @Override
    public void delete(Stored current) {
        List<String> result = run(DELETE, current.uuid(), Long.toString(current.revision()),
                pairs.of(current.spec()));
        if ("changed".equals(result.getFirst())) {
            throw MappingConflictException.changedElsewhere(current, location());
        }
    }

    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public String location() {
        return "Redis hash " + MAPPINGS;
    }

    private List<String> run(String script, String... args) {
        return redis.eval(script, ScriptOutputType.MULTI, new String[] {MAPPINGS, CLAIMS}, args);
    }

    private static String toValue(Stored mapping) {
        ObjectNode value = JSON.createObjectNode();
        value.put("revision", mapping.revision());
        value.put("lastModified", mapping.lastModified().toEpochMilli());
        value.set("request", mapping.spec().toJson());
        return value.toString();
    }

    private static Stored fromValue(String uuid, String value) {
        try {
            JsonNode node = JSON.readTree(value);
            return new Stored(uuid, node.path("revision").asLong(),
                    Instant.ofEpochMilli(node.path("lastModified").asLong()),
                    MappingSpec.of(node.path("request"), MAPPINGS + " " + uuid));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("the mapping " + uuid + " in the Redis hash " + MAPPINGS + " is not JSON",
                    e);
        }
    }
}
