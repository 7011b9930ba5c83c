package io.esm4j.worker;

import io.esm4j.worker.mappings.MappingRegistry;

/** The worker's registry, for its tests in other packages: not API, so not public on Worker. */
public final class WorkerAccess {

    private WorkerAccess() {
    }

    public static MappingRegistry registry(Worker worker) {
        return worker.registry();
    }
}
