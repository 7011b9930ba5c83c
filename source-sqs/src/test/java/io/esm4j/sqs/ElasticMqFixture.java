package io.esm4j.sqs;

import java.net.URI;

/** {@link SqsFixture} on an ElasticMQ server in this JVM, started once per test class. */
abstract class ElasticMqFixture extends SqsFixture {

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
