package io.esm4j.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.idempotency.AcquireResult;
import io.esm4j.idempotency.AcquireResult.Acquired;
import io.esm4j.idempotency.StoredKeys;
import io.esm4j.testing.MutableClock;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the contract does not see: the keys the store leaves in Redis, and how it meets a server it did not expect. */
class RedisIdempotencyStoreTest {

    private static final Duration CLAIM = Duration.ofMinutes(5);
    private static final Duration TTL = Duration.ofHours(1);
    private static final Duration CLEANUP = Duration.ofMinutes(2);
    private static final String HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    @RegisterExtension
    static final LocalRedis server = new LocalRedis();

    private final RedisCommands<String, String> redis = server.connect();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final String prefix = "test:" + UUID.randomUUID() + ":";
    private final RedisIdempotencyStore store = new RedisIdempotencyStore(redis,
            RedisIdempotencyStoreSettings.builder().keyPrefix(prefix).cleanupDelay(CLEANUP).build(), clock);

    @Test
    void aClaimIsOneHashUnderThePrefixThatRedisDeletesTheCleanupDelayAfterItsExpiry() {
        store.acquire("order-1", HASH, "owner-a", clock.instant().plus(CLAIM));

        assertThat(redis.hgetall(prefix + "order-1")).isEqualTo(Map.of("status", "INPROGRESS",
                "expiry", "01767225900000000000", "owner", "owner-a", "hash", HASH));
        assertThat(redis.pttl(prefix + "order-1")).isBetween(CLAIM.plus(CLEANUP).minusSeconds(60).toMillis(),
                CLAIM.plus(CLEANUP).toMillis());
    }

    /**
     * A key with a lone surrogate lives under its digest (UTF-8 cannot carry it), and a key that spells such a digest
     * is digested itself, so that it cannot be taken for the other record.
     */
    @Test
    void aKeyWithALoneSurrogateIsStoredAsItsDigestWhichNoOtherKeyCanSpell() {
        store.complete("order-\uD800", null, clock.instant().plus(TTL));
        String digestKey = redis.keys(prefix + "*").getFirst();

        assertThat(digestKey).startsWith(prefix + StoredKeys.DIGEST_MARK).hasSize(prefix.length() + 13 + 64);
        String spelled = digestKey.substring(prefix.length());
        assertThat(store.acquire(spelled, null, "owner-b", clock.instant().plus(CLAIM))).isEqualTo(Acquired.INSTANCE);
        assertThat(redis.keys(prefix + "*")).hasSize(2);
    }

    @Test
    void aCompletedKeyKeepsNoOwnerAndNoHashWithoutValidation() {
        store.acquire("order-2", null, "owner-a", clock.instant().plus(CLAIM));
        store.complete("order-2", null, clock.instant().plus(TTL));

        assertThat(redis.hgetall(prefix + "order-2")).isEqualTo(Map.of("status", "COMPLETED",
                "expiry", "01767229200000000000"));
        assertThat(redis.pttl(prefix + "order-2")).isBetween(TTL.plus(CLEANUP).minusSeconds(60).toMillis(),
                TTL.plus(CLEANUP).toMillis());
    }

    @Test
    void withoutACleanupDelayAnEntryWrittenAlreadyExpiredIsDeletedAtOnce() {
        RedisIdempotencyStore noDelay = new RedisIdempotencyStore(redis,
                RedisIdempotencyStoreSettings.builder().keyPrefix(prefix).cleanupDelay(Duration.ZERO).build(), clock);

        noDelay.complete("late", null, clock.instant().minusSeconds(1));

        assertThat(redis.exists(prefix + "late")).isZero();
        assertThat(noDelay.acquire("late", null, "owner-b", clock.instant().plus(CLAIM))).isEqualTo(Acquired.INSTANCE);
    }

    @Test
    void aServerThatForgotTheScriptsGetsThemAgain() {
        store.acquire("before-flush", null, "owner-a", clock.instant().plus(CLAIM));
        redis.scriptFlush();

        assertThat(store.acquire("after-flush", null, "owner-a", clock.instant().plus(CLAIM)))
                .isEqualTo(Acquired.INSTANCE);
        assertThat(store.release("before-flush", "owner-a")).isTrue();
        store.complete("after-flush", null, clock.instant().plus(TTL));
        assertThat(store.acquire("after-flush", null, "owner-b", clock.instant().plus(CLAIM)))
                .isInstanceOf(AcquireResult.AlreadyCompleted.class);
    }

    @Test
    void anotherProgramsValueUnderThePrefixIsAnErrorThatLeavesItAlone() {
        redis.set(prefix + "foreign", "not a hash");
        redis.hset(prefix + "odd", Map.of("status", "COMPLETED", "expiry", "tomorrow"));

        assertThatThrownBy(() -> store.acquire("foreign", null, "owner-a", clock.instant().plus(CLAIM)))
                .isInstanceOf(RedisCommandExecutionException.class).hasMessageContaining("WRONGTYPE");
        assertThat(redis.get(prefix + "foreign")).isEqualTo("not a hash");
        assertThatThrownBy(() -> store.acquire("odd", null, "owner-a", clock.instant().plus(CLAIM)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("An idempotency entry in Redis has expiry 'tomorrow'. Expected epoch nanoseconds written "
                        + "by esm4j; does something else write keys under this prefix?")
                .message().doesNotContain("odd");
    }

    @Test
    void anEmptyPayloadHashIsRefusedBecauseItWouldReadBackAsNone() {
        assertThatThrownBy(() -> store.complete("k", "", clock.instant().plus(TTL)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("payloadHash is empty. Expected a SHA-256 hex, or null without payload validation.");
    }
}
