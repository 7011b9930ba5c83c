package io.esm4j.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The form a store keeps a key in: the key itself when it can, else a digest no kept key can equal. */
class StoredKeysTest {

    @Test
    void aWellFormedKeyWithinTheLimitIsKeptAsItIsSurrogatePairsIncluded() {
        assertThat(StoredKeys.storable("orders:42", Long.MAX_VALUE)).isEqualTo("orders:42");
        assertThat(StoredKeys.storable("k\uD83D\uDE00", 5)).isEqualTo("k\uD83D\uDE00");
    }

    @Test
    void aKeyOverTheLimitInUtf8BytesIsStoredAsItsDigest() {
        assertThat(StoredKeys.storable("k\uD83D\uDE00", 4)).startsWith(StoredKeys.DIGEST_MARK)
                .hasSize(StoredKeys.DIGEST_MARK.length() + 64);
        assertThat(StoredKeys.storable("\u00e9\u00e9", 4)).isEqualTo("\u00e9\u00e9");
        assertThat(StoredKeys.storable("\u20ac\u20ac", 5)).startsWith(StoredKeys.DIGEST_MARK);
    }

    @Test
    void keysWithLoneSurrogatesStayApartFromEachOtherAndFromWhatUtf8WouldMakeOfThem() {
        Set<String> stored = Set.of(StoredKeys.storable("k\uD800", Long.MAX_VALUE),
                StoredKeys.storable("k\uDC00", Long.MAX_VALUE), StoredKeys.storable("\uDC00\uD800", Long.MAX_VALUE),
                StoredKeys.storable("k?", Long.MAX_VALUE), StoredKeys.storable("k\uFFFD", Long.MAX_VALUE));
        assertThat(stored).hasSize(5);
    }

    @Test
    void aKeySpellingADigestIsDigestedAgainSoThatItCannotEqualTheKeyItWasMadeFrom() {
        String digest = StoredKeys.storable("k\uD800", Long.MAX_VALUE);
        assertThat(StoredKeys.storable(digest, Long.MAX_VALUE)).startsWith(StoredKeys.DIGEST_MARK)
                .isNotEqualTo(digest);
    }
}
