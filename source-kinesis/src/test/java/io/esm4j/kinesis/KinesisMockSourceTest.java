package io.esm4j.kinesis;

import io.esm4j.testsupport.RequiresNode;
import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * The Kinesis suite against kinesis-mock, started once for the class on 127.0.0.1. Without Node.js it is skipped with
 * one log line, except with CI=true, where it fails ({@link RequiresNode}).
 */
@RequiresNode
class KinesisMockSourceTest extends KinesisSourceContract {

    static KinesisMockServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = KinesisMockServer.start();
    }

    /**
     * A kinesis-mock that exited during the class (seen once on a busy machine, cause unknown) is reported with its log
     * and started again, instead of failing every later test with "connection refused": the emulator's crash is not
     * esm4j's, and its report says why it happened.
     */
    @BeforeEach
    void serverAlive() throws Exception {
        String exited = server.exited();
        if (exited != null) {
            System.err.println("kinesis-mock had exited before this test; starting it again. " + exited);
            server.close();
            server = KinesisMockServer.start();
        }
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Override
    URI endpoint() {
        return server.endpoint();
    }

    @Override
    Region region() {
        return Region.US_EAST_1;
    }

    static final AwsCredentialsProvider CREDENTIALS = StaticCredentialsProvider.create(
            AwsBasicCredentials.create("test", "test"));

    @Override
    AwsCredentialsProvider credentials() {
        return CREDENTIALS;
    }
}
