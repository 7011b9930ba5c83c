package io.esm4j.kinesis;

import io.esm4j.testsupport.RequiresDocker;
import java.net.URI;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * The same Kinesis suite against LocalStack in a container; skipped where no Docker engine runs, with one INFO line
 * ({@link RequiresDocker} comes first, so Testcontainers does not look for Docker and log errors).
 */
@RequiresDocker
@Testcontainers(disabledWithoutDocker = true)
class LocalStackKinesisSourceTest extends KinesisSourceContract {

    @Container
    private static final LocalStackContainer LOCALSTACK = new LocalStackContainer(
            DockerImageName.parse("localstack/localstack:4.4"))
            .withServices("kinesis")
            // LocalStack delays every Kinesis response by 500 ms unless told otherwise.
            .withEnv("KINESIS_LATENCY", "0");

    @Override
    URI endpoint() {
        return LOCALSTACK.getEndpoint();
    }

    @Override
    Region region() {
        return Region.of(LOCALSTACK.getRegion());
    }

    @Override
    AwsCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(
                AwsBasicCredentials.create(LOCALSTACK.getAccessKey(), LOCALSTACK.getSecretKey()));
    }
}
