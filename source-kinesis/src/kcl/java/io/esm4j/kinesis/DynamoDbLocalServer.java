package io.esm4j.kinesis;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * DynamoDB Local over HTTP on 127.0.0.1, for the KCL's lease table. Its server mode has no host option and binds
 * 0.0.0.0, so the Jetty connector is bound to loopback through reflection before it starts (BUILD-NOTES b).
 */
final class DynamoDbLocalServer implements AutoCloseable {

    private final DynamoDBProxyServer server;
    private final URI endpoint;

    private DynamoDbLocalServer(DynamoDBProxyServer server, URI endpoint) {
        this.server = server;
        this.endpoint = endpoint;
    }

    static DynamoDbLocalServer start() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        DynamoDBProxyServer server = ServerRunner.createServerFromCommandLineArgs(
                new String[] {"-inMemory", "-port", Integer.toString(port), "-disableTelemetry"});
        Field jettyField = DynamoDBProxyServer.class.getDeclaredField("server");
        jettyField.setAccessible(true);
        Server jetty = (Server) jettyField.get(server);
        ((ServerConnector) jetty.getConnectors()[0]).setHost("127.0.0.1");
        server.start();
        return new DynamoDbLocalServer(server, URI.create("http://127.0.0.1:" + port));
    }

    URI endpoint() {
        return endpoint;
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

}
