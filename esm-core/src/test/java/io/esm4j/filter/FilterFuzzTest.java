package io.esm4j.filter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing: building criteria from random patterns fails only with InvalidFilterPatternException, and matching
 * random documents against whatever was built never throws.
 */
class FilterFuzzTest {

    private static final long SEED = 0x5EED_F117E2L;
    private static final int PATTERN_SETS = 4_000;
    private static final int DOCUMENTS_PER_SET = 20;

    @Test
    void onlyInvalidFilterPatternEscapesBuildingAndMatchingNeverThrows() {
        Random random = new Random(SEED);
        RandomJson generator = new RandomJson(random, 1);
        int built = 0;
        int rejected = 0;
        int matched = 0;
        for (int i = 0; i < PATTERN_SETS; i++) {
            List<String> patterns = generator.patternList();
            int maxFilters = 1 + random.nextInt(10);
            FilterCriteria criteria;
            try {
                criteria = FilterCriteria.of(patterns, maxFilters);
            } catch (InvalidFilterPatternException e) {
                assertThat(e).hasMessageStartingWith("Invalid filter pattern definition. ");
                rejected++;
                continue;
            } catch (Throwable t) {
                throw new AssertionError("set " + i + ", maxFilters " + maxFilters + ": " + patterns, t);
            }
            built++;
            for (int d = 0; d < DOCUMENTS_PER_SET; d++) {
                FilterDocument document = generator.document();
                try {
                    matched += criteria.matches(document) ? 1 : 0;
                } catch (Throwable t) {
                    throw new AssertionError("set " + i + ": " + patterns + " on " + document, t);
                }
            }
        }
        // The generator must exercise both outcomes, and matching must not be trivially false.
        assertThat(built).isGreaterThan(PATTERN_SETS / 5);
        assertThat(rejected).isGreaterThan(PATTERN_SETS / 5);
        assertThat(matched).isGreaterThan(built);
    }

    @Test
    void singleRandomPatternsEitherBuildOrAreRejectedWithTheLambdaMessage() {
        RandomJson generator = new RandomJson(new Random(SEED + 1), 10);
        int built = 0;
        for (int i = 0; i < 10_000; i++) {
            String pattern = generator.pattern();
            try {
                FilterCriteria.of(List.of(pattern));
                built++;
            } catch (InvalidFilterPatternException e) {
                assertThat(e.getMessage()).startsWith("Invalid filter pattern definition. ");
            } catch (Throwable t) {
                throw new AssertionError("pattern " + i + ": " + pattern, t);
            }
        }
        assertThat(built).isGreaterThan(1_000);
    }

    @Test
    void documentsFromRandomPayloadsNeverThrow() {
        Random random = new Random(SEED + 2);
        RandomJson generator = new RandomJson(random, 3);
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = new byte[random.nextInt(16)];
            random.nextBytes(bytes);
            String text = random.nextBoolean() ? generator.string() : generator.value(1).toString();
            assertThat(FilterDocuments.kinesisData(bytes).node().has("data")).isTrue();
            assertThat(FilterDocuments.kinesisData(text.getBytes(StandardCharsets.UTF_8)).node().has("data")).isTrue();
            assertThat(FilterDocuments.sqsBody(text).node().has("body")).isTrue();
            assertThat(FilterDocuments.kafkaValue(bytes).node().size()).isLessThanOrEqualTo(1);
        }
    }
}
