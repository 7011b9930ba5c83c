package io.esm4j.sqs;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Context} a {@code RequestHandler} gets outside Lambda: a request id per invocation, a function name, no
 * deadline (the mapping's limits, not a function timeout, bound a batch) and a logger that writes to SLF4J. Public
 * so that other hosts of Lambda handlers (the esm4j worker) give the same context.
 *
 * @param awsRequestId the invocation's request id
 * @param functionName the name {@link #getFunctionName()} returns
 */
// Its signatures name aws-lambda-java types; the module requires them static only: its users require them too.
@SuppressWarnings("exports")
public record LambdaContext(String awsRequestId, String functionName) implements Context {

    /**
     * A context for one invocation, with a fresh random request id.
     *
     * @param functionName the function's name
     * @return a new context
     */
    public static LambdaContext forInvocation(String functionName) {
        return new LambdaContext(UUID.randomUUID().toString(), functionName);
    }

    private static final Logger LOG = LoggerFactory.getLogger("io.esm4j.sqs.function");
    private static final LambdaLogger LAMBDA_LOGGER = new LambdaLogger() {
        @Override
        public void log(String message) {
            LOG.info(message);
        }

        @Override
        public void log(byte[] message) {
            LOG.info(new String(message, StandardCharsets.UTF_8));
        }
    };

    @Override
    public String getAwsRequestId() {
        return awsRequestId;
    }

    @Override
    public @Nullable String getLogGroupName() {
        return null;
    }

    @Override
    public @Nullable String getLogStreamName() {
        return null;
    }

    @Override
    public String getFunctionName() {
        return functionName;
    }

    @Override
    public String getFunctionVersion() {
        return "$LATEST";
    }

    @Override
    public @Nullable String getInvokedFunctionArn() {
        return null;
    }

    @Override
    public @Nullable CognitoIdentity getIdentity() {
        return null;
    }

    @Override
    public @Nullable ClientContext getClientContext() {
        return null;
    }

    @Override
    public int getRemainingTimeInMillis() {
        return Integer.MAX_VALUE;
    }

    @Override
    public int getMemoryLimitInMB() {
        return (int) Math.min(Integer.MAX_VALUE, Runtime.getRuntime().maxMemory() / (1024 * 1024));
    }

    @Override
    public LambdaLogger getLogger() {
        return LAMBDA_LOGGER;
    }
}
