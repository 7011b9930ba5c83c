package io.esm4j.testsupport;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The condition behind {@link RequiresDocker}: probes once per JVM, logs one INFO line per skipped class. */
final class DockerCondition implements ExecutionCondition {

    private static final Logger LOG = LoggerFactory.getLogger(DockerCondition.class);

    private static volatile DockerProbe.@Nullable Result probed;

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (context.getTestMethod().isPresent()) {
            return ConditionEvaluationResult.enabled("decided for the class");
        }
        DockerProbe.Result result = probe();
        if (result.found()) {
            return ConditionEvaluationResult.enabled(result.detail());
        }
        String suite = context.getRequiredTestClass().getSimpleName();
        LOG.info("{} skipped: {}", suite, result.detail());
        return ConditionEvaluationResult.disabled(result.detail());
    }

    private static DockerProbe.Result probe() {
        DockerProbe.Result result = probed;
        if (result == null) {
            result = DockerProbe.probe(System.getenv(), Path.of(System.getProperty("user.home")),
                    System.getProperty("os.name"));
            probed = result;
        }
        return result;
    }
}
