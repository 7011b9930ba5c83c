package io.esm4j.sqs;

import io.esm4j.testsupport.RequiresDocker;
import java.net.URI;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.regions.Region;

/**
 * The same SQS source suite against LocalStack in a container; skipped, not failed, where there is no Docker, with one
 * INFO line ({@link RequiresDocker} comes first, so Testcontainers does not look for Docker and log errors).
 */
@RequiresDocker
@Testcontainers(disabledWithoutDocker = true)
class LocalStackSqsSourceTest extends SqsSourceSuite {

    @Container
    private static final LocalStackContainer LOCALSTACK =
            new LocalStackContainer(DockerImageName.parse("localstack/localstack:4.4.0")).withServices("sqs");

    @Override
    protected URI startServer() {
        return LOCALSTACK.getEndpoint();
    }

    @Override
    protected void stopServer() {
        // The Testcontainers extension stops the container after the class.
    }

    @Override
    protected Region region() {
        return Region.of(LOCALSTACK.getRegion());
    }

    @Override
    protected AwsBasicCredentials credentials() {
        return AwsBasicCredentials.create(LOCALSTACK.getAccessKey(), LOCALSTACK.getSecretKey());
    }
}
