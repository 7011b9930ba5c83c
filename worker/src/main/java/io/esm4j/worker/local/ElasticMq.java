package io.esm4j.worker.local;

import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.URI;

/**
 * ElasticMQ in this process, reached by reflection: its jar's file name ({@code elasticmq-rest-sqs_2.13}) gives no
 * valid automatic module name, so this module cannot name its classes, but the class path holds them.
 */
final class ElasticMq implements AutoCloseable {

    private final Object server;
    private final URI endpoint;

    private ElasticMq(Object server, URI endpoint) {
        this.server = server;
        this.endpoint = endpoint;
    }

    /** Starts a server on a free port of 127.0.0.1. */
    static ElasticMq start() throws ReflectiveOperationException {
        Class<?> builderType = Class.forName("org.elasticmq.rest.sqs.SQSRestServerBuilder");
        Object builder = builderType.getMethod("withInterface", String.class).invoke(null, "127.0.0.1");
        builder = call(builder, "withPort", int.class, 0);
        Object server = call(builder, "start");
        Object binding = call(server, "waitUntilStarted");
        InetSocketAddress address = (InetSocketAddress) call(binding, "localAddress");
        return new ElasticMq(server, URI.create("http://127.0.0.1:" + address.getPort()));
    }

    URI endpoint() {
        return endpoint;
    }

    @Override
    public void close() {
        try {
            call(server, "stopAndWait");
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot stop ElasticMQ", e);
        }
    }

    private static Object call(Object target, String name) throws ReflectiveOperationException {
        Method method = target.getClass().getMethod(name);
        method.setAccessible(true);
        return method.invoke(target);
    }

    private static Object call(Object target, String name, Class<?> type, Object argument)
            throws ReflectiveOperationException {
        Method method = target.getClass().getMethod(name, type);
        method.setAccessible(true);
        return method.invoke(target, argument);
    }
}
