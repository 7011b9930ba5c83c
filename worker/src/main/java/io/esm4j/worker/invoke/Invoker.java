package io.esm4j.worker.invoke;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.esm4j.sqs.LambdaContext;

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
     */
    record Java(RequestHandler<?, ?> handler, String functionName) implements Invoker {

        /** The Lambda context of one invocation: a fresh request id and this function's name. */
        public Context context() {
            return LambdaContext.forInvocation(functionName);
        }
    }
}
