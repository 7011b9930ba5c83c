package io.esm4j.worker.mappings;

import io.esm4j.worker.config.FunctionSpec;
import io.esm4j.worker.config.Functions;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.invoke.Targets;
import io.esm4j.worker.source.SourceFactories;
import io.esm4j.worker.source.SourceFactory;
import java.util.Collection;
import org.jspecify.annotations.Nullable;

/**
 * What a mapping of the {@link MappingRegistry} must pass before anything is written to the store or run: its source
 * and function are known, a Java handler takes the source's event, its esm-core mapping can be built, and its source
 * and function pair is not mapped already.
 */
final class MappingChecks {

    private final SourceFactories factories;
    private final Functions functions;
    /** Tells source and function pairs apart, as the store does: the function by its FunctionArn. */
    private final SourcePairs pairs;
    private final MappingRunner runner;

    MappingChecks(SourceFactories factories, Functions functions, SourcePairs pairs, MappingRunner runner) {
        this.factories = factories;
        this.functions = functions;
        this.pairs = pairs;
        this.runner = runner;
    }

    /**
     * What making a ManagedMapping checks, before anything is written to the store, and what building its esm-core
     * mapping checks (without starting it): a mapping that could never start is refused now, as Lambda refuses it.
     */
    void validate(String uuid, MappingSpec spec) {
        factories.forMapping(spec);
        function(spec);
        runner.checkBuild(uuid, spec);
    }

    /**
     * {@link #validate} for a mapping read (the worker's file, a shared store), not asked for: one whose handler class
     * failed its static initializer here is taken all the same. Refused, it would stop the worker (the file) or be
     * left out while the worker stays live (a store); taken, its start meets the class again and says that only a
     * restart of the process heals it ({@code /health/live} 503), as a failure met at a start does.
     */
    void validateRead(String uuid, MappingSpec spec) {
        factories.forMapping(spec);
        readFunction(spec);
        runner.checkBuild(uuid, spec);
    }

    /** The mapping's function; for a Java function, checked to take the source's event. */
    FunctionSpec function(MappingSpec spec) {
        FunctionSpec function = functions.resolve(spec.functionName());
        if (function.kind() == FunctionSpec.Kind.JAVA) {
            SourceFactory factory = factories.forMapping(spec);
            Targets.checkHandler(function, factory.handlerEvent(spec), factory.kind());
        }
        return function;
    }

    /**
     * {@link #function} for a mapping read or already validated: a handler class whose static initializer failed in
     * this process is left for its start to meet (each worker's JVM has its own failed class, so each reports it).
     */
    FunctionSpec readFunction(MappingSpec spec) {
        try {
            return function(spec);
        } catch (IllegalArgumentException e) {
            if (ClassInitFailure.in(e) == null) {
                throw e;
            }
            return functions.resolve(spec.functionName());
        }
    }

    /**
     * Lambda maps a source and function pair once, on create and on update alike. The function is compared by its
     * FunctionArn, so a name and the ARN (or partial ARN) the API reports for it are one function, as in Lambda.
     *
     * @param self the UUID of the mapping being updated, whose own pair does not count; null on create
     */
    void checkUnique(MappingSpec spec, @Nullable String self, Collection<ManagedMapping> held) {
        String pair = pairs.of(spec);
        for (ManagedMapping existing : held) {
            if (!existing.deleting() && !existing.uuid().equals(self) && pairs.of(existing.spec()).equals(pair)) {
                throw MappingConflictException.pairTaken(spec, existing.uuid());
            }
        }
    }
}
