package io.esm4j.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.KafkaEvent;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Java Lambda handler for Lambda's Kafka event, run in the test's own JVM: keeps every event, and reports the
 * record whose value is {@code fail-once} as a batch item failure the first time it sees it.
 */
public final class RecordingKafkaHandler implements RequestHandler<KafkaEvent, Object> {

    static final List<KafkaEvent> EVENTS = new CopyOnWriteArrayList<>();
    private static final List<String> FAILED = new CopyOnWriteArrayList<>();

    @Override
    public Object handleRequest(KafkaEvent event, Context context) {
        EVENTS.add(event);
        for (List<KafkaEvent.KafkaEventRecord> records : event.getRecords().values()) {
            for (KafkaEvent.KafkaEventRecord record : records) {
                String id = record.getTopic() + "-" + record.getPartition() + "@" + record.getOffset();
                if (KafkaWorkerTest.text(record.getValue()).equals("fail-once") && !FAILED.contains(id)) {
                    FAILED.add(id);
                    return Map.of("batchItemFailures", List.of(Map.of("itemIdentifier", Map.of(
                            "partition", record.getTopic() + "-" + record.getPartition(),
                            "offset", record.getOffset()))));
                }
            }
        }
        return null;
    }
}
