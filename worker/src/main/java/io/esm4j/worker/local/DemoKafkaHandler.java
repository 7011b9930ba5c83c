package io.esm4j.worker.local;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.KafkaEvent;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The local mode's Kafka function: a plain Lambda handler for Lambda's Kafka event (aws-lambda-java-events), run by
 * the worker through esm4j's KafkaLambdaAdapter. Returning null is success for the whole batch, as in Lambda.
 */
public final class DemoKafkaHandler implements RequestHandler<KafkaEvent, Void> {

    static final AtomicInteger HANDLED = new AtomicInteger();

    @Override
    public Void handleRequest(KafkaEvent event, Context context) {
        List<String> values = event.getRecords().values().stream().flatMap(List::stream)
                .map(record -> new String(Base64.getDecoder().decode(record.getValue()), StandardCharsets.UTF_8))
                .toList();
        System.out.println("[kafka handler] batch of " + values.size() + " from " + event.getRecords().keySet() + ": "
                + values);
        HANDLED.addAndGet(values.size());
        return null;
    }
}
