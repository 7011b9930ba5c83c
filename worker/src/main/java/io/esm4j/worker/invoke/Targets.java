package io.esm4j.worker.invoke;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.esm4j.worker.aws.AwsSigning;
import io.esm4j.worker.config.FunctionSpec;
import io.esm4j.worker.config.Functions;
import io.esm4j.worker.config.InvalidMappingException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * Makes invokers for functions, with one {@link TargetLimits} per function name shared by all its mappings, and one
 * JDK HTTP client for every HTTP target.
 */
public final class Targets {

    /**
     * Lambda's regional endpoints, {@code [<vpce-id>.]lambda[-fips].<region>[.vpce].amazonaws.com[.cn]} and
     * {@code lambda.<region>.api.aws}, whose region is the group.
     */
    private static final Pattern AWS_LAMBDA_HOST = Pattern.compile("(?:[a-z0-9-]+\\.)?lambda(?:-fips)?\\."
            + "([a-z]{2}(?:-[a-z]+)+-\\d+)\\.(?:(?:vpce\\.)?amazonaws\\.com(?:\\.cn)?|api\\.aws)");
    private final HttpClient http;
    private final Map<String, TargetLimits> limits = new ConcurrentHashMap<>();
    private final @Nullable AwsCredentialsProvider credentials;
    private final String region;

    /**
     * @param credentials signs Lambda Invoke requests; null sends them unsigned
     * @param region      the worker's region: Lambda's endpoint and signing region for a function that is not an
     *                    ARN of another region, at an endpoint that is not another region's
     */
    public Targets(@Nullable AwsCredentialsProvider credentials, String region) {
        this(HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build(), credentials, region);
    }

    /** With this HTTP client (tests: one whose proxy stands in for AWS's hosts). */
    Targets(HttpClient http, @Nullable AwsCredentialsProvider credentials, String region) {
        this.http = http;
        this.credentials = credentials;
        this.region = region;
    }

    /** The invoker for a function; a Java handler is instantiated anew (one instance per mapping). */
    public Invoker invoker(FunctionSpec function) {
        return switch (function.kind()) {
            case URL -> new HttpUrlTarget(http, URI.create(function.location()), function.timeout());
            case LAMBDA -> lambda(function);
            case JAVA -> new Invoker.Java(handler(function), function.name(),
                    Functions.shownArn(function.name(), region), function.timeout());
        };
    }

    /**
     * A function given by its ARN lives in the ARN's region: without an endpoint of its own it is invoked at that
     * region's Lambda, as its ARN says, not at the worker's, which would not find it.
     */
    private LambdaInvokeTarget lambda(FunctionSpec function) {
        String home = functionRegion(function.location());
        URI endpoint = function.endpoint() != null ? function.endpoint()
                : AwsSigning.regionalEndpoint("lambda", home != null ? home : region);
        return new LambdaInvokeTarget(http, endpoint, function.location(), function.timeout(), credentials,
                signingRegion(endpoint, function.location(), region));
    }

    /**
     * The region a Lambda Invoke is signed for. AWS refuses a signature scoped to another region than the endpoint's
     * ({@code InvalidSignatureException}, 403), so an AWS endpoint's own region comes first
     * ({@code lambda.eu-west-1.amazonaws.com}, its FIPS, dual-stack and VPC endpoint forms); at any other endpoint
     * (LocalStack, which picks the region from the signature) the region of a function ARN; else the worker's.
     */
    static String signingRegion(URI endpoint, String function, String workerRegion) {
        Matcher host = AWS_LAMBDA_HOST.matcher(endpoint.getHost() == null ? ""
                : endpoint.getHost().toLowerCase(Locale.ROOT));
        if (host.matches()) {
            return host.group(1);
        }
        String home = functionRegion(function);
        return home != null ? home : workerRegion;
    }

    /** The region of a function ARN ({@code arn:<partition>:lambda:<region>:...}); null for a name or partial ARN. */
    static @Nullable String functionRegion(String function) {
        String[] parts = function.split(":", 5);
        return parts.length == 5 && parts[0].equals("arn") && parts[2].equals("lambda") && !parts[3].isEmpty()
                ? parts[3] : null;
    }

    /**
     * The function's limits, one per function name. They name the function as logs may show it: a URL given as the
     * FunctionName without its user info, query and fragment, which may hold a password or a token, since a timeout's
     * error is logged and the invocation's thread is named after it.
     */
    public TargetLimits limits(FunctionSpec function) {
        return limits.computeIfAbsent(function.name(), name -> function.kind() == FunctionSpec.Kind.JAVA
                ? new TargetLimits(function.displayName(), function.maxConcurrency(), function.timeout(),
                        function.handlerThreads())
                : TargetLimits.selfTimed(function.displayName(), function.maxConcurrency(), function.timeout()));
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
            // The cause chain, kept, tells the registry that no later start in this process can load the class.
            throw new InvalidMappingException(field, function.location(), "Its static initializer threw "
                    + e.getCause() + ".", e);
        } catch (ClassNotFoundException e) {
            throw new InvalidMappingException(field, function.location(), "Expected a class on the worker's class "
                    + "path (add its jar with -cp) implementing com.amazonaws.services.lambda.runtime.RequestHandler.");
        } catch (LinkageError e) {
            // Found, but a class it uses is missing or its initialization failed before: say which.
            throw new InvalidMappingException(field, function.location(), UninitializedClass.of(e) != null
                    ? "The class cannot be initialized (" + e
                    + "): its static initializer, or that of a class it uses, threw before in this worker process, "
                    + "and the JVM never runs it again. Restart the worker."
                    : "The class cannot be loaded (" + e + "). Expected it and the classes it uses on the worker's "
                    + "class path (add their jars with -cp).", e);
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
                    + e.getCause() + ".", e);
        } catch (ReflectiveOperationException e) {
            throw new InvalidMappingException(field, function.location(), "Expected a public class with a public "
                    + "constructor without parameters (" + e.getClass().getSimpleName() + ").");
        }
    }
}
