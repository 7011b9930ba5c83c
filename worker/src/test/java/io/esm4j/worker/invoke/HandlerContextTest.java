package io.esm4j.worker.invoke;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.SQSEvent.SQSMessage;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import io.esm4j.settings.HandlerThreads;
import io.esm4j.worker.config.FunctionSpec;
import io.esm4j.worker.config.FunctionSpec.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a Java handler written for Lambda reads from its Context, the worker gives as Lambda does. */
class HandlerContextTest {

    /**
     * The handler's usual way to stay within its timeout: handle records while time is left, report the rest as
     * batch item failures. With no deadline it would run into the worker's Timeout and fail the whole batch.
     */
    public static final class StopsInTime implements RequestHandler<SQSEvent, SQSBatchResponse> {
        @Override
        public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
            List<SQSBatchResponse.BatchItemFailure> rest = new ArrayList<>();
            for (SQSMessage message : event.getRecords()) {
                if (context.getRemainingTimeInMillis() < 60_000) {
                    rest.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
                }
            }
            return new SQSBatchResponse(rest);
        }
    }

    @Test
    void theContextCountsDownTheFunctionsTimeoutAndNamesItsArn() {
        FunctionSpec spec = new FunctionSpec("clicks", Kind.JAVA, StopsInTime.class.getName(), null,
                Duration.ofSeconds(30), 10, HandlerThreads.VIRTUAL);
        Invoker.Java java = (Invoker.Java) new Targets(null, "eu-west-1").invoker(spec);

        Context context = java.context();

        assertThat(context.getRemainingTimeInMillis()).isPositive().isLessThanOrEqualTo(30_000);
        assertThat(context.getInvokedFunctionArn()).isEqualTo("arn:aws:lambda:eu-west-1:000000000000:function:clicks");
        assertThat(context.getFunctionName()).isEqualTo("clicks");
        assertThat(java.context().getAwsRequestId()).as("one per invocation")
                .isNotEqualTo(context.getAwsRequestId());

        SQSMessage message = new SQSMessage();
        message.setMessageId("m-1");
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(message));
        assertThat(new StopsInTime().handleRequest(event, context).getBatchItemFailures())
                .as("less than a minute of a 30 s Timeout left: the handler hands the record back")
                .extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier).containsExactly("m-1");
    }

    @Test
    void noTimeIsLeftOnceTheTimeoutHasPassed() {
        HandlerContext context = new HandlerContext(io.esm4j.sqs.LambdaContext.forInvocation("clicks"),
                "arn:aws:lambda:eu-west-1:000000000000:function:clicks", System.nanoTime() - 1_000_000_000L);

        assertThat(context.getRemainingTimeInMillis()).isZero();
    }
}
