package io.esm4j.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;

import org.apache.http.conn.ConnectTimeoutException;
import org.apache.http.conn.ConnectionPoolTimeoutException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;
import software.amazon.awssdk.services.sqs.model.SqsException;

/** The messages a mapping shows for SQS errors, built from the exceptions the SDK throws. */
class SqsErrorsTest {

    private static final String URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/orders";

    @Test
    void aMissingQueueNamesLambdasErrorCodeAndTheQueue() {
        QueueDoesNotExistException missing = QueueDoesNotExistException.builder()
                .statusCode(400).awsErrorDetails(details("QueueDoesNotExist", "The specified queue does not exist."))
                .build();

        SqsSourceException e = SqsErrors.describe("ReceiveMessage", URL, missing);

        assertThat(e).hasMessage("SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. Queue " + URL
                + " does not exist (ReceiveMessage)");
        assertThat(e.errorCode()).isEqualTo("AWS.SimpleQueueService.NonExistentQueue");
        assertThat(e.retryable()).isFalse();
        assertThat(e).hasCause(missing);
    }

    @Test
    void missingPermissionsNameTheIamActionTheCallNeeds() {
        SqsSourceException e = SqsErrors.describe("DeleteMessageBatch", URL, service(403, "AccessDenied",
                "User is not authorized to perform: sqs:deletemessage"));

        assertThat(e.getMessage()).startsWith("SQS Error Code: AccessDenied. The credentials in use may not call "
                + "DeleteMessageBatch (permission sqs:DeleteMessage) on queue " + URL)
                .endsWith("User is not authorized to perform: sqs:deletemessage");
        assertThat(e.retryable()).isFalse();
    }

    /**
     * A wrong key, a wrong secret or an expired token is no missing permission: "may not call ... (permission
     * sqs:ReceiveMessage)" would send the user to IAM policies that are fine.
     */
    @Test
    void refusedCredentialsAreNotCalledAMissingPermission() {
        for (String code : List.of("InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken")) {
            SqsSourceException e = SqsErrors.describe("ReceiveMessage", URL, service(403, code, "refused"));

            assertThat(e).as(code).hasMessage("SQS Error Code: " + code + ". SQS refuses the credentials in use for "
                    + "ReceiveMessage on queue " + URL + " (an unknown or deleted access key, a wrong secret key, or "
                    + "an expired session token; not a missing permission): refused");
            assertThat(e.retryable()).isFalse();
        }
    }

    /** An encrypted queue's receive needs kms:Decrypt on its key: sqs:ReceiveMessage is not what is missing. */
    @Test
    void aKmsRefusalNamesTheQueuesKeyNotAnSqsPermission() {
        SqsSourceException e = SqsErrors.describe("ReceiveMessage", URL, service(400, "KMS.AccessDeniedException",
                "The ciphertext refers to a customer master key that does not exist"));

        assertThat(e.getMessage()).startsWith("SQS Error Code: KMS.AccessDeniedException. ReceiveMessage on queue "
                + URL + " needs the queue's KMS key, which the credentials in use may not use (permission kms:Decrypt)");
        assertThat(e.retryable()).isFalse();
        assertThat(SqsErrors.describe("ReceiveMessage", URL, service(400, "KMS.ThrottlingException", "slow down"))
                .getMessage()).doesNotContain("KMS key");
    }

    /** STS refusing to give the client's provider credentials (a role it may not assume) is not SQS's refusal. */
    @Test
    void aRefusalByTheCredentialsProvidersServiceNamesIt() {
        AwsServiceException sts = AwsServiceException.builder().statusCode(403).awsErrorDetails(AwsErrorDetails
                .builder().errorCode("AccessDenied").errorMessage("not authorized to perform: sts:AssumeRole")
                .serviceName("Sts").build()).build();

        SqsSourceException e = SqsErrors.describe("ReceiveMessage", URL, sts);

        assertThat(e).hasMessage("The SqsClient's credentials provider got no credentials from Sts for "
                + "ReceiveMessage on queue " + URL + ": AccessDenied: not authorized to perform: sts:AssumeRole");
    }

    @Test
    void throttlingAndServerErrorsAreRetryable() {
        assertThat(SqsErrors.describe("ReceiveMessage", URL, service(400, "ThrottlingException", "Rate exceeded"))
                .retryable()).isTrue();
        SqsSourceException serverError = SqsErrors.describe("ReceiveMessage", URL,
                service(500, "InternalError", "We encountered an internal error."));
        assertThat(serverError.retryable()).isTrue();
        assertThat(serverError).hasMessage("SQS Error Code: InternalError. ReceiveMessage on queue " + URL
                + " failed (retrying): We encountered an internal error.");
    }

    @Test
    void aNetworkFailureSaysSqsCouldNotBeReached() {
        SqsSourceException e = SqsErrors.describe("ReceiveMessage", URL,
                SdkClientException.create("Unable to execute HTTP request: Connection refused"));

        assertThat(e.getMessage()).startsWith("Cannot reach SQS for ReceiveMessage on queue " + URL);
        assertThat(e.errorCode()).isNull();
        assertThat(e.retryable()).isTrue();
    }

    @Test
    void anAbortedCallIsAnInterruptionNotAnSqsError() {
        assertThat(SqsErrors.translate("ReceiveMessage", URL, AbortedException.create("Thread was interrupted")))
                .isInstanceOf(InterruptedException.class);
    }

    /** Apache's pool and connect timeouts are InterruptedIOExceptions, but nothing interrupted the caller. */
    @Test
    void aTimeoutThatIsAnInterruptedIoExceptionIsANetworkErrorNotAnInterruption() {
        Exception e = SqsErrors.translate("ReceiveMessage", URL, SdkClientException.create(
                "Unable to execute HTTP request: Timeout waiting for connection from pool",
                new ConnectionPoolTimeoutException("Timeout waiting for connection from pool")));

        assertThat(e).isInstanceOf(SqsSourceException.class)
                .hasMessageStartingWith("Cannot reach SQS for ReceiveMessage on queue " + URL);
        assertThat(((SqsSourceException) e).retryable()).isTrue();
        assertThat(SqsErrors.translate("ReceiveMessage", URL, SdkClientException.create("connect timed out",
                new ConnectTimeoutException("Connect to sqs.eu-west-1.amazonaws.com:443 timed out"))))
                .isInstanceOf(SqsSourceException.class);
    }

    /**
     * No credentials is no network problem: the SDK fails before it sends anything, and "Cannot reach SQS" would send
     * the user to check the endpoint. The client here is the SDK's own, with a credentials chain that finds nothing.
     */
    @Test
    void credentialsThatCannotBeLoadedAreNamedAsTheProblem() {
        ProfileFile empty = ProfileFile.builder().type(ProfileFile.Type.CREDENTIALS)
                .content(new ByteArrayInputStream(new byte[0])).build();
        try (SqsClient client = SqsClient.builder().region(Region.EU_WEST_1)
                .endpointOverride(URI.create("http://127.0.0.1:9"))
                .credentialsProvider(AwsCredentialsProviderChain.of(ProfileCredentialsProvider.builder()
                        .profileFile(empty).profileName("esm4j-no-such-profile").build()))
                .build()) {
            SqsQueueSource source = SqsQueueSource.of(client, URL);

            assertThatThrownBy(() -> source.receive(1, Duration.ZERO))
                    .isInstanceOf(SqsSourceException.class)
                    .hasMessageStartingWith("The SqsClient's credentials provider found no credentials for "
                            + "GetQueueAttributes on queue " + URL + "; retrying: Unable to load credentials")
                    .satisfies(e -> assertThat(((SqsSourceException) e).retryable()).isTrue());
        }
        // The same client with credentials, and nothing listening at its endpoint, is the network failure it is.
        try (SqsClient client = SqsClient.builder().region(Region.EU_WEST_1)
                .endpointOverride(URI.create("http://127.0.0.1:9"))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .build()) {
            assertThatThrownBy(() -> SqsQueueSource.of(client, URL).receive(1, Duration.ZERO))
                    .isInstanceOf(SqsSourceException.class)
                    .hasMessageStartingWith("Cannot reach SQS for GetQueueAttributes on queue " + URL);
        }
    }

    private static AwsServiceException service(int status, String code, String message) {
        return SqsException.builder().statusCode(status).awsErrorDetails(details(code, message)).build();
    }

    private static AwsErrorDetails details(String code, String message) {
        return AwsErrorDetails.builder().errorCode(code).errorMessage(message).serviceName("Sqs").build();
    }
}
