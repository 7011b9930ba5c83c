package io.esm4j.filter;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Validated Lambda FilterCriteria: up to maxFilters patterns, ORed. A record is kept when any pattern matches it.
 * Patterns are parsed once, here; {@link #matches} walks the compiled tree and never parses or throws on event data.
 * Instances are immutable and safe to share between threads.
 *
 * @see FilterDocuments for the document each event source passes to {@link #matches}
 */
public final class FilterCriteria {

    /** Lambda's default quota of filters per event source mapping. */
    public static final int DEFAULT_MAX_FILTERS = 5;

    /** The longest Pattern string Lambda accepts. */
    public static final int MAX_PATTERN_LENGTH = 4096;

    /** Lambda's quota can be raised to this many filters, and no further. */
    private static final int HIGHEST_MAX_FILTERS = 10;

    private static final FilterCriteria NONE = new FilterCriteria(List.of(), new ObjectPattern[0], Set.of(), Set.of());

    private final List<String> patterns;
    private final ObjectPattern[] filters;
    private final Set<String> referencedKeys;
    private final Set<String> plainValueKeys;

    private FilterCriteria(List<String> patterns, ObjectPattern[] filters, Set<String> referencedKeys,
                           Set<String> plainValueKeys) {
        this.patterns = patterns;
        this.filters = filters;
        this.referencedKeys = referencedKeys;
        this.plainValueKeys = plainValueKeys;
    }

    /** No filtering: every record matches. */
    public static FilterCriteria none() {
        return NONE;
    }

    /** @throws InvalidFilterPatternException for more than {@value #DEFAULT_MAX_FILTERS} patterns or any invalid one */
    public static FilterCriteria of(List<String> patterns) {
        return of(patterns, DEFAULT_MAX_FILTERS);
    }

    /**
     * @param patterns   pattern strings as in {@code FilterCriteria.Filters[].Pattern}; an empty list means no
     *                   filtering
     * @param maxFilters the account's filter quota, 1 to 10
     * @throws IllegalArgumentException      if maxFilters is outside 1..10
     * @throws InvalidFilterPatternException for more patterns than maxFilters or any invalid pattern
     */
    public static FilterCriteria of(List<String> patterns, int maxFilters) {
        if (maxFilters < 1 || maxFilters > HIGHEST_MAX_FILTERS) {
            throw new IllegalArgumentException("maxFilters must be between 1 and " + HIGHEST_MAX_FILTERS
                    + " (Lambda's filter quota) but was " + maxFilters);
        }
        Objects.requireNonNull(patterns, "patterns");
        if (patterns.size() > maxFilters) {
            throw new InvalidFilterPatternException(patterns.size() + " filters were given but at most " + maxFilters
                    + " are allowed.");
        }
        if (patterns.isEmpty()) {
            return NONE;
        }
        List<String> copy = new ArrayList<>(patterns);
        ObjectPattern[] filters = new ObjectPattern[copy.size()];
        Set<String> keys = new LinkedHashSet<>();
        Set<String> plainKeys = new LinkedHashSet<>();
        for (int i = 0; i < filters.length; i++) {
            filters[i] = PatternCompiler.compile(copy.get(i), "Filter " + (i + 1));
            collectTopLevelKeys(filters[i], keys, plainKeys);
        }
        return new FilterCriteria(List.copyOf(copy), filters, Collections.unmodifiableSet(keys),
                Collections.unmodifiableSet(plainKeys));
    }

    /** Whether there are no patterns, so that every record matches. */
    public boolean isEmpty() {
        return filters.length == 0;
    }

    /** The patterns as given, in order. */
    public List<String> patterns() {
        return patterns;
    }

    /**
     * True if any pattern matches the document (a JSON object such as {"data": {...}} or {"body": "..."}). A document
     * that is not a JSON object has no fields. Never throws for a non-null document.
     */
    public boolean matches(FilterDocument document) {
        Objects.requireNonNull(document, "document");
        if (filters.length == 0) {
            return true;
        }
        JsonNode node = document.node();
        JsonNode fields = node.isObject() ? node : null;
        for (ObjectPattern filter : filters) {
            if (filter.matchesFields(fields, true)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The top-level keys referenced by any pattern, e.g. {"data"}, including keys inside a top-level {@code $or}.
     * Lets a source check that patterns only name the key it filters on.
     */
    public Set<String> referencedKeys() {
        return referencedKeys;
    }

    /**
     * The top-level keys some pattern matches as a plain value (a list of conditions, as in {@code {"data": ["x"]}})
     * rather than as a JSON object (as in {@code {"data": {"x": ["y"]}}}). Lets a source whose data under a key is
     * always a JSON object refuse patterns that could never match it, as Lambda refuses a plain pattern on Kinesis's
     * {@code data}.
     */
    public Set<String> plainValueKeys() {
        return plainValueKeys;
    }

    private static void collectTopLevelKeys(ObjectPattern pattern, Set<String> into, Set<String> plainInto) {
        for (ObjectPattern.Field field : pattern.fields()) {
            into.add(field.name());
            if (field.rule() instanceof ValueList) {
                plainInto.add(field.name());
            }
        }
        for (ObjectPattern.OrGroup or : pattern.ors()) {
            for (ObjectPattern branch : or.branches()) {
                collectTopLevelKeys(branch, into, plainInto);
            }
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof FilterCriteria that && patterns.equals(that.patterns);
    }

    @Override
    public int hashCode() {
        return patterns.hashCode();
    }

    @Override
    public String toString() {
        return "FilterCriteria" + patterns;
    }
}
