package io.esm4j.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A Java handler that uses, at its first batch, a class whose static initializer connects to a server that is down
 * the first time: the JVM leaves that class failed, so every later batch throws {@code NoClassDefFoundError}.
 */
public final class InitFailsInBatchHandler implements RequestHandler<SQSEvent, Void> {

    /** Down at the first initialization, up after: a new process would initialize the class. */
    private static final AtomicBoolean SERVER_DOWN = new AtomicBoolean(true);

    @Override
    public Void handleRequest(SQSEvent event, Context context) {
        Pool.use();
        return null;
    }

    /** Connects in its static initializer, which is what the worker cannot heal. */
    static final class Pool {

        static {
            if (SERVER_DOWN.getAndSet(false)) {
                throw new IllegalStateException("connection refused: 127.0.0.1:5432");
            }
        }

        private Pool() {
        }

        static void use() {
        }
    }
}
