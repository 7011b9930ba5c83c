package io.esm4j.sqs;

import java.net.URI;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;

/** The SQS source suite against ElasticMQ, in this JVM on a free loopback port. */
class ElasticMqSqsSourceTest extends SqsSourceSuite {

    private SQSRestServer server;

    @Override
    protected URI startServer() {
        server = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(0).start();
        int port = server.waitUntilStarted().localAddress().getPort();
        return URI.create("http://127.0.0.1:" + port);
    }

    @Override
    protected void stopServer() {
        if (server != null) {
            server.stopAndWait();
        }
    }
}
