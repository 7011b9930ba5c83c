package io.esm4j.worker.mappings;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.redis.LocalRedis;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The shared mapping store contract on a real Redis, each worker on a connection of its own. */
class RedisMappingStoreTest extends SharedMappingStoreContract {

    /** Source and function pairs as a worker in us-east-1 tells them apart. */
    private static final SourcePairs PAIRS = new SourcePairs("us-east-1");

    @RegisterExtension
    static final LocalRedis redis = new LocalRedis();

    private final RedisCommands<String, String> commands = redis.connect();

    @BeforeEach
    void empty() {
        commands.flushdb();
    }

    @Override
    protected MappingStore workerStore() {
        return new RedisMappingStore(redis.connect(), PAIRS);
    }

    @Test
    void aMappingAndItsClaimAreTwoHashesOfOneSlot() throws Exception {
        workerStore().create(mapping("uuid-1", "orders", "f"));

        assertThat(commands.hkeys(RedisMappingStore.MAPPINGS)).containsExactly("uuid-1");
        assertThat(commands.hgetall(RedisMappingStore.CLAIMS))
                .containsExactly(Map.entry("arn:aws:sqs:us-east-1:123456789012:orders\n"
                        + "arn:aws:lambda:us-east-1:000000000000:function:f", "uuid-1"));
        // One hash tag: on a cluster both keys live in one slot, as a script over both needs.
        assertThat(SlotHash.getSlot(RedisMappingStore.MAPPINGS)).isEqualTo(SlotHash.getSlot(RedisMappingStore.CLAIMS));
    }
}
