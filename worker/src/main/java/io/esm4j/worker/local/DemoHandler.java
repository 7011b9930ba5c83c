package io.esm4j.worker.local;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** The local mode's Java function: a plain Lambda handler, run by the worker through aws-lambda-java-events. */
public final class DemoHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

    static final AtomicInteger HANDLED = new AtomicInteger();

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        List<String> bodies = event.getRecords().stream().map(SQSEvent.SQSMessage::getBody).toList();
        System.out.println("[java handler] batch of " + bodies.size() + ": " + bodies);
        HANDLED.addAndGet(bodies.size());
        return SQSBatchResponse.builder().withBatchItemFailures(List.of()).build();
    }
}
