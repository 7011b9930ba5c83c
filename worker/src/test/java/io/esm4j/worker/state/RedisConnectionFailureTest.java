package io.esm4j.worker.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.esm4j.redis.LocalRedis;
import io.esm4j.testsupport.FreePorts;
import io.esm4j.worker.StoreLocation;
import io.esm4j.worker.mappings.SourcePairs;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker's Redis URL may hold a password (--lease-redis redis://user:password@host): a connection that fails,
 * for real against a redis-server, says why without it, in its message and in its causes' (Lettuce's own).
 */
class RedisConnectionFailureTest {

    private static final String PASSWORD = "s3cret-Redis-Pa55";

    @RegisterExtension
    static final LocalRedis redis = new LocalRedis();

    @Test
    void aWrongPasswordIsRefusedWithoutTheUrlsPassword() {
        redis.connect().aclSetuser("esm4j", io.lettuce.core.AclSetuserArgs.Builder.on().addPassword("right")
                .allCommands().allKeys());
        URI url = URI.create(redis.url().replace("redis://", "redis://esm4j:" + PASSWORD + "@"));

        IOException failure = catchThrowableOfType(IOException.class,
                () -> RedisConnection.open(RedisURI.create(url), "--lease-redis"));

        assertThat(failure).hasMessageContaining("Could not connect to Redis at 127.0.0.1");
        assertThat(everyMessage(failure)).doesNotContain(PASSWORD);
    }

    @Test
    void aRefusedConnectionSaysSoWithoutTheUrlsPassword() throws Exception {
        URI url = URI.create("redis://esm4j:" + PASSWORD + "@127.0.0.1:" + FreePorts.distinct(1)[0]);

        IOException failure = catchThrowableOfType(IOException.class,
                () -> RedisConnection.open(RedisURI.create(url), "--lease-redis"));

        assertThat(failure).hasMessageContaining("Could not connect to Redis at 127.0.0.1");
        assertThat(everyMessage(failure)).doesNotContain(PASSWORD);
    }

    /**
     * A lease Redis that does not answer at start does not stop the start: the stores open, and each lease call fails
     * at once saying why (a stream mapping shows it as its problem and retries), without the URL's password.
     */
    @Test
    void aLeaseRedisDownAtStartOpensAndFailsEachCallSayingWhy(@TempDir Path dataDirectory) throws Exception {
        URI url = URI.create("redis://esm4j:" + PASSWORD + "@127.0.0.1:" + FreePorts.distinct(1)[0]);

        try (StateStores stores = StateStores.open(new StoreLocation.Redis(url), new StoreLocation.DataDirectory(),
                dataDirectory, null, new SourcePairs("us-east-1"))) {
            RedisConnectionException failure = catchThrowableOfType(RedisConnectionException.class,
                    () -> stores.leases().list("mapping"));

            assertThat(failure).hasMessageContaining("Could not connect to Redis at 127.0.0.1")
                    .hasMessageContaining("--lease-redis");
            assertThat(everyMessage(failure)).doesNotContain(PASSWORD);
        }
    }

    private static String everyMessage(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable each = failure; each != null; each = each.getCause()) {
            text.append(each).append('\n');
        }
        return text.toString();
    }
}
