package io.esm4j.modulepath.worker.responses;

import java.util.List;

/** Lambda's partial batch response, as a function's own type: written as JSON, read as Lambda reads it. */
public record BatchItemFailures(List<Item> batchItemFailures) {

    public record Item(String itemIdentifier) {}
}
