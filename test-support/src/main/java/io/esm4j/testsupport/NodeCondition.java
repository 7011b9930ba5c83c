package io.esm4j.testsupport;

import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The condition behind {@link RequiresNode}. */
final class NodeCondition implements ExecutionCondition {

    private static final Logger LOG = LoggerFactory.getLogger(NodeCondition.class);

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (context.getTestMethod().isPresent()) {
            return ConditionEvaluationResult.enabled("decided for the class");
        }
        String suite = context.getRequiredTestClass().getSimpleName();
        ConditionEvaluationResult result = decide(suite, System.getenv(), System.getProperty("os.name"));
        if (result.isDisabled()) {
            LOG.warn(result.getReason().orElseThrow());
        }
        return result;
    }

    /** Enabled with node and npm; otherwise disabled, or an exception when {@code CI=true}. */
    static ConditionEvaluationResult decide(String suite, Map<String, String> env, @Nullable String osName) {
        NodeTools.Found found = NodeTools.find(env.get("PATH"), osName);
        if (found.complete()) {
            return ConditionEvaluationResult.enabled("node " + found.node() + ", npm " + found.npm());
        }
        if ("true".equalsIgnoreCase(env.getOrDefault("CI", "").strip())) {
            throw new IllegalStateException(suite + " needs Node.js, and CI=true does not allow skipping it: "
                    + found.missing() + " not found on the PATH (" + env.get("PATH") + "). Install Node.js 20 or "
                    + "newer with npm on the CI machine.");
        }
        return ConditionEvaluationResult.disabled(suite + " skipped: " + found.missing() + " not found on the PATH"
                + " (install Node.js 20 or newer with npm to run it; with CI=true it fails instead of skipping)");
    }
}
