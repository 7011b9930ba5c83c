package io.esm4j.worker.config;

import io.esm4j.worker.config.FunctionSpec.Kind;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Resolves a mapping's {@code FunctionName} to a target: a name from the worker file's {@code Functions}; else an
 * {@code http://} or {@code https://} URL as a plain HTTP target; else a Lambda function name or ARN, invoked through
 * Lambda's Invoke API at the {@code lambda} endpoint.
 */
public record Functions(Map<String, FunctionSpec> named, Endpoints endpoints) {

    private static final Pattern PARTIAL_ARN = Pattern.compile("\\d{12}:function:[^:]+(:[^:]+)?");
    /**
     * Lambda's pattern for a FunctionName of CreateEventSourceMapping (a name, a partial ARN or an ARN, with an
     * optional qualifier), 1 to 140 characters: what Lambda refuses at creation is refused here too, rather than
     * failing every invocation.
     */
    private static final Pattern LAMBDA_FUNCTION = Pattern.compile("(arn:(aws[a-zA-Z-]*)?:lambda:)?"
            + "([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)"
            + "(:(\\$LATEST|[a-zA-Z0-9-_]+))?");
    private static final int LAMBDA_FUNCTION_LENGTH = 140;

    public Functions {
        named = Map.copyOf(named);
    }

    public FunctionSpec resolve(String functionName) {
        FunctionSpec spec = named.get(functionName);
        if (spec != null) {
            // A Lambda target without an Endpoint of its own is invoked at the worker's lambda endpoint, which the
            // command line and the environment decide as much as the file does: it is looked up here, not when read.
            return spec.kind() == Kind.LAMBDA && spec.endpoint() == null && endpoints.endpoint("lambda") != null
                    ? new FunctionSpec(spec.name(), spec.kind(), spec.location(), endpoints.endpoint("lambda"),
                    spec.timeout(), spec.maxConcurrency(), spec.handlerThreads()) : spec;
        }
        if (functionName.startsWith("http://") || functionName.startsWith("https://")) {
            if (FunctionSpec.masked(functionName)) {
                // Sent on, "..." would be the Basic authentication's user name: every invocation would fail.
                throw new InvalidMappingException("FunctionName", functionName, "This is a URL as the worker shows "
                        + "it, its user info masked as ...@ or its query as ?...: pass the whole URL (the worker "
                        + "shows it only masked), or leave FunctionName out of an update to keep the function.");
            }
            Endpoints.url("FunctionName", functionName);
            return FunctionSpec.of(functionName, Kind.URL, functionName, null);
        }
        if (!lambdaFunction(functionName)) {
            // An ARN holding a URL (a FunctionArn read from an older worker, say) is quoted without its password.
            throw new InvalidMappingException("FunctionName", functionName.contains("://")
                    ? FunctionSpec.shownUrl(functionName) : functionName, "Expected a name under the worker's "
                    + "Functions" + (named.isEmpty() ? " (there are none)" : " (" + String.join(", ",
                    new TreeSet<>(named.keySet())) + ")") + ", an http:// or https:// URL, or a Lambda "
                    + "function's name, partial ARN or ARN (letters, digits, - and _, with an optional :qualifier; "
                    + "at most " + LAMBDA_FUNCTION_LENGTH + " characters), as Lambda's CreateEventSourceMapping "
                    + "takes it.");
        }
        return FunctionSpec.of(functionName, Kind.LAMBDA, functionName, endpoints.endpoint("lambda"));
    }

    /** Whether Lambda's API takes the value as a FunctionName. */
    static boolean lambdaFunction(String value) {
        return value.length() <= LAMBDA_FUNCTION_LENGTH && LAMBDA_FUNCTION.matcher(value).matches();
    }

    /**
     * The function's ARN as Lambda reports it (shown outside masked, {@link #shownArn}) and as source and function
     * pairs compare it: the name given if it is an ARN, a partial ARN ({@code 123456789012:function:orders}) completed
     * with the worker's region, else one made from the name in the worker's region.
     */
    public static String arn(String functionName, String region) {
        if (functionName.startsWith("arn:")) {
            return functionName;
        }
        // Lambda's partial ARN, <account>:function:<name>[:<qualifier>], names the account itself.
        return PARTIAL_ARN.matcher(functionName).matches() ? "arn:aws:lambda:" + region + ":" + functionName
                : "arn:aws:lambda:" + region + ":000000000000:function:" + functionName;
    }

    /**
     * The function's ARN as the worker shows it outside, in the API's FunctionArn and in failure records: {@link #arn}
     * of the name as {@link FunctionSpec#shownName} masks it, so that a URL's password or token stays inside the
     * worker. Source and function pairs are still told apart by the real name ({@link #arn}).
     */
    public static String shownArn(String functionName, String region) {
        return arn(FunctionSpec.shownName(functionName), region);
    }

    /** Whether the name is one of the file's functions (not looked up at Lambda). */
    public @Nullable FunctionSpec named(String functionName) {
        return named.get(functionName);
    }
}
