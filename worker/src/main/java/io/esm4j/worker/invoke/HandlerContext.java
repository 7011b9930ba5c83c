package io.esm4j.worker.invoke;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import io.esm4j.sqs.LambdaContext;
import org.jspecify.annotations.Nullable;

/**
 * A Java handler's Context in the worker: esm4j's {@link LambdaContext} (request id, name, logger), with what the
 * worker knows beyond it and Lambda always gives: the invoked function's ARN, and the time left before the function's
 * Timeout, at which the worker interrupts the invocation. Handlers written for Lambda read them: the ARN for the
 * account and region, the time left to stop before the timeout and report the records not done as failures.
 *
 * @param base          the request id, function name, logger and memory
 * @param functionArn   the function's ARN
 * @param deadlineNanos the {@link System#nanoTime()} at which the Timeout ends
 */
record HandlerContext(LambdaContext base, String functionArn, long deadlineNanos) implements Context {

    @Override
    public String getAwsRequestId() {
        return base.getAwsRequestId();
    }

    @Override
    public @Nullable String getLogGroupName() {
        return base.getLogGroupName();
    }

    @Override
    public @Nullable String getLogStreamName() {
        return base.getLogStreamName();
    }

    @Override
    public String getFunctionName() {
        return base.getFunctionName();
    }

    @Override
    public String getFunctionVersion() {
        return base.getFunctionVersion();
    }

    @Override
    public String getInvokedFunctionArn() {
        return functionArn;
    }

    @Override
    public @Nullable CognitoIdentity getIdentity() {
        return base.getIdentity();
    }

    @Override
    public @Nullable ClientContext getClientContext() {
        return base.getClientContext();
    }

    /** Lambda's count down: 0 once the Timeout has passed. */
    @Override
    public int getRemainingTimeInMillis() {
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, (deadlineNanos - System.nanoTime()) / 1_000_000));
    }

    @Override
    public int getMemoryLimitInMB() {
        return base.getMemoryLimitInMB();
    }

    @Override
    public LambdaLogger getLogger() {
        return base.getLogger();
    }
}
