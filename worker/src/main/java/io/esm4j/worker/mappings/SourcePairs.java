package io.esm4j.worker.mappings;

import io.esm4j.worker.config.Functions;
import io.esm4j.worker.config.MappingSpec;
import java.util.Objects;

/**
 * How a mapping's source and function pair is told apart, the one rule of the registry and of every mapping store
 * (the file, and the claims of a shared table): the event source, and the function by the FunctionArn the API reports
 * for it ({@link Functions#arn}), so that a name, its partial ARN and its ARN are one function, as Lambda compares
 * them. A name that is not an ARN is a function of the worker's region: workers sharing a mapping table have to run
 * in one region for their pairs to agree, as they do for the FunctionArn they report.
 *
 * @param region the worker's region
 */
public record SourcePairs(String region) {

    public SourcePairs {
        Objects.requireNonNull(region, "region");
    }

    /** The pair as one string, {@code <source>\n<FunctionArn>}: what the stores compare and claim. */
    public String of(MappingSpec spec) {
        return spec.source() + "\n" + Functions.arn(spec.functionName(), region);
    }
}
