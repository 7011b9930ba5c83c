package io.esm4j.sqs;

import java.nio.channels.ClosedByInterruptException;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/** Turns SDK exceptions into messages that say what went wrong with which queue, and which of them may pass. */
final class SqsErrors {

    static final String NON_EXISTENT_QUEUE = "AWS.SimpleQueueService.NonExistentQueue";

    /** The credentials lack a permission (IAM or the queue's policy). */
    private static final Set<String> NO_ACCESS = Set.of("AccessDenied", "AccessDeniedException",
            "AWS.SimpleQueueService.AccessDenied");
    /**
     * SQS refuses the credentials themselves: an unknown or deleted access key, a wrong secret key, an expired
     * session token. No IAM policy changes that.
     */
    private static final Set<String> NOT_AUTHENTICATED = Set.of("InvalidClientTokenId", "UnrecognizedClientException",
            "SignatureDoesNotMatch", "ExpiredToken", "ExpiredTokenException", "InvalidSecurity",
            "MissingAuthenticationToken", "IncompleteSignature");
    /** A KMS answer that passes on its own; every other {@code KMS.*} code needs the key or its policy fixed. */
    private static final Set<String> KMS_TRANSIENT = Set.of("KMS.ThrottlingException", "KMS.KeyUnavailableException");

    private static final String CREDENTIALS_PACKAGE = "software.amazon.awssdk.auth.credentials.";

    private SqsErrors() {}

    /**
     * The exception to throw for a failed call: an {@link InterruptedException} when the caller's thread was
     * interrupted (a stopping mapping), else an {@link SqsSourceException}.
     *
     * @param operation the SQS action, e.g. {@code ReceiveMessage}
     */
    static Exception translate(String operation, String queueUrl, SdkException e) {
        if (interrupted(e)) {
            InterruptedException interrupted = new InterruptedException(operation + " on " + queueUrl
                    + " was interrupted");
            interrupted.initCause(e);
            return interrupted;
        }
        return describe(operation, queueUrl, e);
    }

    static SqsSourceException describe(String operation, String queueUrl, SdkException e) {
        if (fromCredentialsProvider(e)) {
            return new SqsSourceException(null, "The SqsClient's credentials provider found no credentials for "
                    + operation + " on queue " + queueUrl + "; retrying: " + e.getMessage(), true, e);
        }
        if (!(e instanceof AwsServiceException service) || service.awsErrorDetails() == null) {
            return new SqsSourceException(null, "Cannot reach SQS for " + operation + " on queue " + queueUrl
                    + "; retrying: " + e.getMessage(), true, e);
        }
        String code = service.awsErrorDetails().errorCode();
        String reason = service.awsErrorDetails().errorMessage();
        String serviceName = service.awsErrorDetails().serviceName();
        if (serviceName != null && !serviceName.equalsIgnoreCase("Sqs")) {
            // Only the client's credentials provider calls another service (STS for a role, SSO): it gave nothing.
            return new SqsSourceException(code, "The SqsClient's credentials provider got no credentials from "
                    + serviceName + " for " + operation + " on queue " + queueUrl + ": " + code + ": " + reason,
                    service.isThrottlingException() || service.statusCode() >= 500, e);
        }
        if (e instanceof QueueDoesNotExistException || NON_EXISTENT_QUEUE.equals(code)
                || "QueueDoesNotExist".equals(code)) {
            return new SqsSourceException(NON_EXISTENT_QUEUE, "SQS Error Code: " + NON_EXISTENT_QUEUE + ". Queue "
                    + queueUrl + " does not exist (" + operation + ")", false, e);
        }
        if (NOT_AUTHENTICATED.contains(code)) {
            return new SqsSourceException(code, "SQS Error Code: " + code + ". SQS refuses the credentials in use for "
                    + operation + " on queue " + queueUrl + " (an unknown or deleted access key, a wrong secret key, "
                    + "or an expired session token; not a missing permission): " + reason, false, e);
        }
        if (code != null && code.startsWith("KMS.") && !KMS_TRANSIENT.contains(code)) {
            return new SqsSourceException(code, "SQS Error Code: " + code + ". " + operation + " on queue " + queueUrl
                    + " needs the queue's KMS key, which the credentials in use may not use (permission kms:Decrypt)"
                    + " or which is disabled or gone: " + reason, false, e);
        }
        if (service.statusCode() == 403 || NO_ACCESS.contains(code)) {
            return new SqsSourceException(code, "SQS Error Code: " + code + ". The credentials in use may not call "
                    + operation + " (permission sqs:" + permission(operation) + ") on queue " + queueUrl + ": "
                    + reason, false, e);
        }
        boolean retryable = service.isThrottlingException() || service.statusCode() >= 500;
        return new SqsSourceException(code, "SQS Error Code: " + code + ". " + operation + " on queue " + queueUrl
                + " failed" + (retryable ? " (retrying)" : "") + ": " + reason, retryable, e);
    }

    /**
     * Whether the SDK failed while resolving the client's credentials, before anything was sent: it throws a plain
     * SdkClientException then, as for a network failure, and only where it was thrown tells the two apart (every
     * credentials provider is called through {@code AwsCredentialsProvider}, in that package).
     */
    private static boolean fromCredentialsProvider(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            for (StackTraceElement frame : cause.getStackTrace()) {
                if (frame.getClassName().startsWith(CREDENTIALS_PACKAGE)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The IAM action behind an SQS API call; the batch calls need the single-message permission. */
    private static String permission(String operation) {
        return operation.endsWith("Batch") ? operation.substring(0, operation.length() - "Batch".length())
                : operation;
    }

    /**
     * Not every {@link java.io.InterruptedIOException} is an interrupt: Apache's connect and connection-pool timeouts
     * are ones, and taking them for a stop would end the poller (or the heartbeat) for good, silently. An interrupt
     * leaves the thread's flag set (the SDK restores it when it throws {@link AbortedException}); otherwise only the
     * exceptions that mean nothing but an interrupt count.
     */
    private static boolean interrupted(Throwable e) {
        if (Thread.currentThread().isInterrupted()) {
            return true;
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof AbortedException || cause instanceof InterruptedException
                    || cause instanceof ClosedByInterruptException) {
                return true;
            }
        }
        return false;
    }
}
