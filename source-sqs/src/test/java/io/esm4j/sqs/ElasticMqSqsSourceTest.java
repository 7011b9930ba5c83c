package io.esm4j.sqs;

import java.net.URI;

/** The SQS source suite against ElasticMQ, in this JVM on a free loopback port. */
class ElasticMqSqsSourceTest extends SqsSourceSuite {

    private final ElasticMqServer elasticMq = new ElasticMqServer();

    @Override
    protected URI startServer() {
        return elasticMq.start();
    }

    @Override
    protected void stopServer() {
        elasticMq.stop();
    }
}
