package io.esm4j.worker.invoke;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.esm4j.failure.FailureRecord.ResponseContext;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchResult;
import io.esm4j.handler.LambdaResponses;
import io.esm4j.sqs.LambdaContext;
import java.time.Duration;

/**
 * How a mapping's batches reach its function: as event JSON over HTTP (Lambda's Invoke API, a plain URL), or as
 * aws-lambda-java-events objects to a Java handler in the worker's JVM. A source factory turns either into the
 * engine's batch handler for its source type.
 */
public sealed interface Invoker permits Invoker.Json, Invoker.Java {

    /**
     * Sends the event JSON and returns the function's response; a function error throws
     * ({@link io.esm4j.handler.FunctionErrorException}, with the Invoke response where there is one).
     */
    non-sealed interface Json extends Invoker {
        Response invoke(String event) throws Exception;
    }

    /**
     * A function's answer to a JSON target.
     *
     * @param body    the response body, the function's result
     * @param context the Invoke response as a failure record's {@code responseContext} shows it if the records this
     *                answer fails are given up: Lambda's status code and {@code X-Amz-Executed-Version}, or the
     *                in-process default (200, {@code $LATEST}) for a target that has neither (an HTTP URL)
     */
    record Response(String body, ResponseContext context) {

        /** An answer without an Invoke response of its own: {@link ResponseContext#itemFailures()}. */
        public static Response of(String body) {
            return new Response(body, ResponseContext.itemFailures());
        }

        /** The body read as Lambda reads a function's response, carrying {@link #context}. */
        public BatchResult result() {
            return LambdaResponses.parse(body).withResponse(context);
        }

        /**
         * The body read as Lambda reads a function's response to {@code batch}, carrying {@link #context}: with a
         * tumbling window, a window response with its state ({@link LambdaResponses#parse(Batch, String)}).
         */
        public BatchResult result(Batch<?> batch) {
            return LambdaResponses.parse(batch, body).withResponse(context);
        }
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
