package io.esm4j.worker.invoke;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import org.jspecify.annotations.Nullable;

/** Reads the event type {@code I} of a {@code RequestHandler<I, O>} class, where its declaration says it. */
final class HandlerEvents {

    private HandlerEvents() {}

    /**
     * The class's (or a superclass's) {@code RequestHandler} type argument for the event; null when it is not a class
     * there (a type variable bound by a subclass, a raw {@code RequestHandler}, an interface extending it), which the
     * caller cannot check and lets through.
     */
    static @Nullable Class<?> of(Class<?> handler) {
        for (Class<?> type = handler; type != null && type != Object.class; type = type.getSuperclass()) {
            for (Type implemented : type.getGenericInterfaces()) {
                if (implemented instanceof ParameterizedType parameterized
                        && parameterized.getRawType() == RequestHandler.class) {
                    Type event = parameterized.getActualTypeArguments()[0];
                    if (event instanceof Class<?> plain) {
                        return plain;
                    }
                    if (event instanceof ParameterizedType generic && generic.getRawType() instanceof Class<?> raw) {
                        return raw;
                    }
                    return null;
                }
            }
        }
        return null;
    }
}
