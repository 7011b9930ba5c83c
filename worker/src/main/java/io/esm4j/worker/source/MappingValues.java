package io.esm4j.worker.source;

import static io.esm4j.worker.config.LambdaFields.*;

import io.esm4j.filter.FilterCriteria;
import io.esm4j.worker.config.InvalidMappingException;
import io.esm4j.worker.config.MappingSpec;
import java.util.List;

/** Reading the request fields every source shares into esm-core's types, with the field named in errors. */
final class MappingValues {

    static final String REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures";

    private MappingValues() {}

    /** {@code FunctionResponseTypes: [ReportBatchItemFailures]}, the only value Lambda has. */
    static boolean reportBatchItemFailures(MappingSpec spec) {
        List<String> types = spec.strings(FUNCTION_RESPONSE_TYPES);
        for (String type : types) {
            if (!type.equals(REPORT_BATCH_ITEM_FAILURES)) {
                throw new InvalidMappingException(FUNCTION_RESPONSE_TYPES, types,
                        "Expected an empty list or [" + REPORT_BATCH_ITEM_FAILURES + "].");
            }
        }
        return !types.isEmpty();
    }

    static FilterCriteria filterCriteria(MappingSpec spec) {
        List<String> patterns = spec.filterPatterns();
        if (patterns.isEmpty()) {
            return FilterCriteria.none();
        }
        try {
            return FilterCriteria.of(patterns);
        } catch (IllegalArgumentException e) {
            throw new InvalidMappingException(FILTER_CRITERIA, "Invalid value for FilterCriteria: " + e.getMessage(),
                    e);
        }
    }

    /**
     * Runs a settings builder, turning esm-core's {@code InvalidSettingException} (which names the parameter, the
     * value and the range) into the worker's exception for the same field.
     */
    static <S> S settings(java.util.function.Supplier<S> build) {
        try {
            return build.get();
        } catch (io.esm4j.settings.InvalidSettingException e) {
            throw new InvalidMappingException(e.parameter(), e.getMessage(), e);
        }
    }
}
