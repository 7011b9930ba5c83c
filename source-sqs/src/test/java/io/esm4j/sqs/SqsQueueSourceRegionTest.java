package io.esm4j.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * A queue URL names its region, and the SDK sends every call to its client's region whatever the URL says: SQS then
 * answers NonExistentQueue for a queue that exists. Checked without any call to SQS.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SqsQueueSourceRegionTest {

    private SqsClient usEast;
    private SqsClient emulator;

    @BeforeAll
    void clients() {
        StaticCredentialsProvider credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"));
        usEast = SqsClient.builder().region(Region.US_EAST_1).credentialsProvider(credentials).build();
        emulator = SqsClient.builder().region(Region.US_EAST_1).credentialsProvider(credentials)
                .endpointOverride(URI.create("http://127.0.0.1:9324")).build();
    }

    @AfterAll
    void close() {
        usEast.close();
        emulator.close();
    }

    @Test
    void aQueueUrlOfAnotherRegionThanTheClientsIsRefused() {
        assertThatThrownBy(() -> SqsQueueSource.of(usEast, "https://sqs.eu-west-1.amazonaws.com/123456789012/orders"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("https://sqs.eu-west-1.amazonaws.com/123456789012/orders")
                .hasMessageContaining("is in region eu-west-1").hasMessageContaining("for region us-east-1");
        assertThatThrownBy(() -> SqsQueueSource.of(usEast, "https://eu-west-1.queue.amazonaws.com/123456789012/o"))
                .hasMessageContaining("is in region eu-west-1");
    }

    @Test
    void aQueueUrlOfTheClientsRegionOrBehindAnEndpointOverrideIsTaken() {
        String url = "https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo";
        assertThat(SqsQueueSource.of(usEast, url).queueUrl()).isEqualTo(url);
        assertThat(SqsQueueSource.of(usEast, url).fifo()).isTrue();
        assertThat(SqsQueueSource.of(emulator, "https://sqs.eu-west-1.amazonaws.com/123456789012/orders").queueUrl())
                .endsWith("/orders");
        assertThat(SqsQueueSource.of(usEast, "http://localhost:4566/000000000000/orders").queueUrl())
                .endsWith("/orders");
    }
}
