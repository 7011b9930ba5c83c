package io.esm4j.filter;

import static io.esm4j.filter.Fixtures.doc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The public surface of FilterCriteria apart from matching semantics. */
class FilterCriteriaTest {

    @Test
    void noneMatchesEverything() {
        FilterCriteria none = FilterCriteria.none();
        assertThat(none.isEmpty()).isTrue();
        assertThat(none.patterns()).isEmpty();
        assertThat(none.referencedKeys()).isEmpty();
        for (String document : List.of("{}", "{\"a\":1}", "[]", "5", "null")) {
            assertThat(none.matches(doc(document))).as(document).isTrue();
        }
    }

    @Test
    void anEmptyListIsNoFiltering() {
        assertThat(FilterCriteria.of(List.of())).isEqualTo(FilterCriteria.none());
        assertThat(FilterCriteria.of(List.of()).isEmpty()).isTrue();
    }

    @Test
    void keepsThePatternsAsGivenInOrder() {
        List<String> given = new ArrayList<>(List.of("{\"b\":[\"1\"]}", " {\"a\" : [\"2\"]} "));
        FilterCriteria criteria = FilterCriteria.of(given);
        given.clear();
        assertThat(criteria.isEmpty()).isFalse();
        assertThat(criteria.patterns()).containsExactly("{\"b\":[\"1\"]}", " {\"a\" : [\"2\"]} ");
        assertThatThrownBy(() -> criteria.patterns().add("{}")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void referencedKeysAreTheTopLevelKeysOfAllPatterns() {
        FilterCriteria criteria = FilterCriteria.of(List.of(
                "{\"data\":{\"inner\":[\"x\"]}}",
                "{\"$or\":[{\"partitionKey\":[\"1\"]},{\"$or\":[{\"data\":[\"y\"]},{\"other\":[\"z\"]}]}]}",
                "{\"nested\":{\"$or\":[{\"deep\":[\"1\"]},{\"deeper\":[\"2\"]}]}}"));
        assertThat(criteria.referencedKeys()).containsExactly("data", "partitionKey", "other", "nested");
        assertThatThrownBy(() -> criteria.referencedKeys().add("x")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void equalityIsByPatterns() {
        FilterCriteria one = FilterCriteria.of(List.of("{\"a\":[\"1\"]}"));
        assertThat(one).isEqualTo(FilterCriteria.of(List.of("{\"a\":[\"1\"]}"), 10));
        assertThat(one).hasSameHashCodeAs(FilterCriteria.of(List.of("{\"a\":[\"1\"]}")));
        assertThat(one).isNotEqualTo(FilterCriteria.of(List.of("{\"a\": [\"1\"]}")));
        assertThat(one.toString()).contains("{\"a\":[\"1\"]}");
    }

    @Test
    void nullArgumentsAreProgrammingErrors() {
        assertThatThrownBy(() -> FilterCriteria.of(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> FilterCriteria.none().matches(null)).isInstanceOf(NullPointerException.class);
    }
}
