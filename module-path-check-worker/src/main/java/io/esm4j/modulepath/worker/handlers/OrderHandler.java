package io.esm4j.modulepath.worker.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** An SQS function written for Lambda: keeps the bodies it got, and reports a message "fail" as an item failure. */
public final class OrderHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

    /** The bodies every instance got, for the tests to read. */
    public static final Set<String> RECEIVED = ConcurrentHashMap.newKeySet();

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        for (SQSEvent.SQSMessage message : event.getRecords()) {
            RECEIVED.add(message.getBody());
            if (message.getBody().equals("fail")) {
                failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
            }
        }
        return new SQSBatchResponse(failures);
    }
}
