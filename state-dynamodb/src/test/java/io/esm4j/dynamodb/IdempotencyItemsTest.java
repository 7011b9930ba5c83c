package io.esm4j.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.idempotency.StoredKeys;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which keys are their own id and which are stored as their digest (the contract test runs them on dynalite). */
class IdempotencyItemsTest {

    @Test
    void aKeyDynamoDbHoldsExactlyIsItsOwnIdUpTo2048Utf8Bytes() {
        String over = "\u00e9".repeat(1_000) + "x".repeat(47) + "\uD83D\uDE00"; // 2000 + 47 + 4 = 2051 bytes
        String fits = "\u00e9".repeat(1_000) + "x".repeat(44) + "\uD83D\uDE00"; // 2048 bytes

        assertThat(IdempotencyItems.id("orders:42")).isEqualTo("orders:42");
        assertThat(IdempotencyItems.id(fits)).isEqualTo(fits);
        assertThat(IdempotencyItems.id(over)).startsWith(StoredKeys.DIGEST_MARK).hasSize(13 + 64);
    }

    @Test
    void keysWithALoneSurrogateGetDigestsOfTheirOwn() {
        String high = IdempotencyItems.id("k\uD800");
        String low = IdempotencyItems.id("k\uDC00");
        String reversed = IdempotencyItems.id("\uDC00\uD800");

        assertThat(high).startsWith(StoredKeys.DIGEST_MARK);
        assertThat(Set.of(high, low, reversed, IdempotencyItems.id("k?"), IdempotencyItems.id("k\uFFFD")))
                .hasSize(5);
    }

    /** Otherwise a record whose key is the text of another key's id would be taken for that record. */
    @Test
    void aKeyThatLooksLikeADigestIsDigestedItself() {
        String longKey = "x".repeat(3_000);
        String digest = IdempotencyItems.id(longKey);

        assertThat(IdempotencyItems.id(digest)).startsWith(StoredKeys.DIGEST_MARK).isNotEqualTo(digest);
    }
}
