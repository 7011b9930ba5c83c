package io.esm4j.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseStore;
import io.esm4j.testsupport.LeaseStoreContract;
import io.lettuce.core.RedisCommandExecutionException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The lease store contract as a Redis user with only the README's ACL rules for it: each worker signs in as a user
 * of its own. The README's rules are those the test grants.
 */
class RedisAclLeaseStoreContractTest extends LeaseStoreContract {

    @RegisterExtension
    static final LocalRedis redis = new LocalRedis();

    private final LeaseStore store = new RedisLeaseStore(RedisAcl.userWith(redis, RedisAcl.LEASE_RULES),
            RedisLeaseStoreSettings.defaults());
    private final LeaseStore other = new RedisLeaseStore(RedisAcl.userWith(redis, RedisAcl.LEASE_RULES),
            RedisLeaseStoreSettings.defaults());

    @Override
    protected LeaseStore store() {
        return store;
    }

    @Override
    protected LeaseStore otherWorker() {
        return other;
    }

    @Test
    void theReadmeGivesTheRulesThisTestGrants() throws Exception {
        assertThat(Files.readString(Path.of("README.md"))).contains("`" + RedisAcl.LEASE_RULES + "`",
                "`" + RedisAcl.IDEMPOTENCY_RULES + "`");
    }

    @Test
    void keysOutsideThePrefixAreRefused() {
        LeaseStore elsewhere = new RedisLeaseStore(RedisAcl.userWith(redis, RedisAcl.LEASE_RULES),
                RedisLeaseStoreSettings.builder().keyPrefix("other:").build());

        assertThatThrownBy(() -> elsewhere.create(Lease.unowned(mapping, "shard-1", Checkpoint.TrimHorizon.INSTANCE,
                List.of()))).isInstanceOf(RedisCommandExecutionException.class).hasMessageContaining("NOPERM");
    }
}
