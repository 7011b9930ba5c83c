package io.esm4j.modulepath.worker.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.esm4j.modulepath.worker.responses.BatchItemFailures;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A function of the plugged-in memory source ({@link io.esm4j.modulepath.worker.MemorySourceFactory}): keeps the
 * data it got and answers, as an object Jackson writes, a record "poison" as a batch item failure.
 */
public final class MemoryHandler implements RequestHandler<List<Map<String, String>>, BatchItemFailures> {

    /** The data every instance got, for the tests to read. */
    public static final Set<String> RECEIVED = ConcurrentHashMap.newKeySet();

    @Override
    public BatchItemFailures handleRequest(List<Map<String, String>> records, Context context) {
        for (Map<String, String> record : records) {
            RECEIVED.add(record.get("data"));
        }
        return new BatchItemFailures(records.stream().filter(record -> record.get("data").equals("poison"))
                .map(record -> new BatchItemFailures.Item(record.get("sequenceNumber"))).toList());
    }
}
