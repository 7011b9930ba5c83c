package io.esm4j.sqs;

import java.net.URI;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;

/** ElasticMQ in this JVM on a free loopback port: what the fixtures that run against it start and stop. */
final class ElasticMqServer {

    private SQSRestServer server;

    /** Starts it and returns its endpoint. */
    URI start() {
        server = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(0).start();
        return URI.create("http://127.0.0.1:" + server.waitUntilStarted().localAddress().getPort());
    }

    /** Stops it, if it was started. */
    void stop() {
        if (server != null) {
            server.stopAndWait();
        }
    }
}
