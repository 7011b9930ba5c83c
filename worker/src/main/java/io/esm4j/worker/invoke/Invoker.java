package io.esm4j.worker.invoke;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.esm4j.sqs.LambdaContext;
import java.time.Duration;

/**
 * How a mapping's batches reach its function: as event JSON over HTTP (Lambda's Invoke API, a plain URL), or as
 * aws-lambda-java-events objects to a Java handler in the worker's JVM. A source factory turns either into the
 * engine's batch handler for its source type.
 */
public sealed interface Invoker permits Invoker.Json, Invoker.Java {

    /** Sends the event JSON and returns the function's response body; a function error throws. */
    non-sealed interface Json extends Invoker {
        String invoke(String event) throws Exception;
    }

    /**
     * A handler class from the class path, instantiated once per mapping.
     *
     * @param handler      the instance
     * @param functionName the function's name in the mappings file, which the handler's Context reports
     * @param functionArn  the function's ARN as failure records give it, the Context's invoked function ARN
     * @param timeout      the function's Timeout, from which the Context counts the time remaining
     */
    record Java(RequestHandler<?, ?> handler, String functionName, String functionArn, Duration timeout)
            implements Invoker {

        /**
         * The Lambda context of one invocation, made as it starts: a fresh request id, this function's name and ARN,
         * and the time left of its Timeout, which handlers written for Lambda read to stop in time (and report the
         * rest as batch item failures).
         */
        public Context context() {
            return new HandlerContext(LambdaContext.forInvocation(functionName), functionArn,
                    System.nanoTime() + timeout.toNanos());
        }
    }
}
