package io.esm4j.worker.invoke;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.esm4j.worker.aws.AwsSigning;
import io.esm4j.worker.config.FunctionSpec;
import io.esm4j.worker.config.InvalidMappingException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * Makes invokers for functions, with one {@link TargetLimits} per function name shared by all its mappings, and one
 * JDK HTTP client for every HTTP target.
 */
public final class Targets {

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private final Map<String, TargetLimits> limits = new ConcurrentHashMap<>();
    private final @Nullable AwsCredentialsProvider credentials;
    private final String region;

    /**
     * @param credentials signs Lambda Invoke requests; null sends them unsigned
     * @param region      the region Lambda requests are signed for and whose endpoint is the default
     */
    public Targets(@Nullable AwsCredentialsProvider credentials, String region) {
        this.credentials = credentials;
        this.region = region;
    }

    /** The invoker for a function; a Java handler is instantiated anew (one instance per mapping). */
    public Invoker invoker(FunctionSpec function) {
        return switch (function.kind()) {
            case URL -> new HttpUrlTarget(http, URI.create(function.location()), function.timeout());
            case LAMBDA -> new LambdaInvokeTarget(http, function.endpoint() != null ? function.endpoint()
                    : AwsSigning.regionalEndpoint("lambda", region), function.location(),
                    function.timeout(), credentials, region);
            case JAVA -> new Invoker.Java(handler(function), function.name());
        };
    }

    public TargetLimits limits(FunctionSpec function) {
        return limits.computeIfAbsent(function.name(),
                name -> new TargetLimits(name, function.maxConcurrency(), function.timeout()));
    }

    /**
     * Checks that a Java handler class exists and is a RequestHandler, without keeping the instance, and that the
     * handler takes the event the mapping gives it: a {@code RequestHandler<SQSEvent, ?>} on a Kinesis mapping would
     * fail every batch. A handler whose event type cannot be read from its class (a type
     * variable, a raw type) is let through.
     *
     * @param event  the event the mapping's source gives a Java handler, or null for any
     * @param source the source's name, for the message
     */
    public static void checkHandler(FunctionSpec function, @Nullable Class<?> event, String source) {
        handler(function);
        if (event == null) {
            return;
        }
        Class<?> taken;
        try {
            taken = HandlerEvents.of(Class.forName(function.location(), false,
                    Thread.currentThread().getContextClassLoader()));
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("loaded a moment ago: " + function.location(), e);
        }
        if (taken != null && !taken.isAssignableFrom(event)) {
            throw new InvalidMappingException("Functions." + function.name() + ".Handler", function.location(),
                    "The class is a RequestHandler of " + taken.getName() + ", but a " + source + " mapping gives its "
                            + "handler a " + event.getName() + ": expected a RequestHandler<" + event.getSimpleName()
                            + ", ?>.");
        }
    }

    private static RequestHandler<?, ?> handler(FunctionSpec function) {
        String field = "Functions." + function.name() + ".Handler";
        Class<?> type;
        try {
            type = Class.forName(function.location(), true, Thread.currentThread().getContextClassLoader());
        } catch (ExceptionInInitializerError e) {
            throw new InvalidMappingException(field, function.location(), "Its static initializer threw "
                    + e.getCause() + ".");
        } catch (ClassNotFoundException e) {
            throw new InvalidMappingException(field, function.location(), "Expected a class on the worker's class "
                    + "path (add its jar with -cp) implementing com.amazonaws.services.lambda.runtime.RequestHandler.");
        } catch (LinkageError e) {
            // Found, but a class it uses is missing or its initialization failed before: say which.
            throw new InvalidMappingException(field, function.location(), "The class cannot be loaded (" + e
                    + "). Expected it and the classes it uses on the worker's class path (add their jars with -cp).");
        }
        if (!RequestHandler.class.isAssignableFrom(type)) {
            throw new InvalidMappingException(field, function.location(), "The class does not implement "
                    + "com.amazonaws.services.lambda.runtime.RequestHandler.");
        }
        try {
            return (RequestHandler<?, ?>) type.getDeclaredConstructor().newInstance();
        } catch (java.lang.reflect.InvocationTargetException e) {
            // The handler's own constructor failed: its exception is what the user needs to see.
            throw new InvalidMappingException(field, function.location(), "Its constructor threw "
                    + e.getCause() + ".");
        } catch (ReflectiveOperationException e) {
            throw new InvalidMappingException(field, function.location(), "Expected a public class with a public "
                    + "constructor without parameters (" + e.getClass().getSimpleName() + ").");
        }
    }
}
