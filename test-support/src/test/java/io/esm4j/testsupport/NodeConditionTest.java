package io.esm4j.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.io.TempDir;

@DisabledOnOs(OS.WINDOWS)
class NodeConditionTest {

    @TempDir
    Path dir;

    @Test
    void withoutNodeTheSuiteIsSkippedSayingWhatIsMissing() {
        ConditionEvaluationResult result = NodeCondition.decide("KinesisMockSourceTest", Map.of("PATH",
                dir.toString()), "Linux");

        assertThat(result.isDisabled()).isTrue();
        assertThat(result.getReason()).hasValueSatisfying(reason -> assertThat(reason)
                .startsWith("KinesisMockSourceTest skipped: node and npm not found on the PATH")
                .contains("CI=true"));
    }

    @Test
    void withoutNodeOnCiTheSuiteFails() {
        assertThatThrownBy(() -> NodeCondition.decide("KinesisMockSourceTest",
                Map.of("PATH", dir.toString(), "CI", "true"), "Linux"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("KinesisMockSourceTest needs Node.js")
                .hasMessageContaining("node and npm not found on the PATH");
    }

    @Test
    void npmAloneIsNotEnough() throws IOException {
        executable("npm");

        ConditionEvaluationResult result = NodeCondition.decide("S", Map.of("PATH", dir.toString()), "Linux");

        assertThat(result.getReason()).hasValueSatisfying(reason -> assertThat(reason)
                .startsWith("S skipped: node not found"));
    }

    @Test
    void withNodeAndNpmTheSuiteRuns() throws IOException {
        Path node = executable("node");
        Path npm = executable("npm");

        ConditionEvaluationResult result = NodeCondition.decide("S",
                Map.of("PATH", "/nonexistent:" + dir, "CI", "true"), "Linux");

        assertThat(result.isDisabled()).isFalse();
        assertThat(NodeTools.find("/nonexistent:" + dir, "Linux")).isEqualTo(new NodeTools.Found(node, npm));
    }

    @Test
    void aFileThatIsNotExecutableDoesNotCount() throws IOException {
        Files.writeString(dir.resolve("node"), "");
        executable("npm");

        assertThat(NodeTools.find(dir.toString(), "Linux").node()).isNull();
    }

    private Path executable(String name) throws IOException {
        Path file = Files.writeString(dir.resolve(name), "#!/bin/sh\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }
}
