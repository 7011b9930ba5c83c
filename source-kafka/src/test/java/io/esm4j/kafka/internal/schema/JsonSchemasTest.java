package io.esm4j.kafka.internal.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class JsonSchemasTest {

    private static final RegisteredSchema ORDER = new RegisteredSchema("3", SchemaFormat.JSON, """
            {"type": "object", "required": ["id"],
             "properties": {"id": {"type": "integer"}, "status": {"enum": ["NEW", "PAID"]}}}""");

    private final JsonSchemas schemas = new JsonSchemas();

    @Test
    void aValueMatchingItsSchemaPassesAndOneThatBreaksItIsNamedByPathAndKeywordWithoutTheValue() throws Exception {
        schemas.validate(ORDER, framed("{\"id\": 1, \"status\": \"PAID\"}"), ConfluentFraming.HEADER_BYTES);

        assertThatThrownBy(() -> schemas.validate(ORDER, framed("{\"id\": 1, \"status\": \"LOST-7731\"}"),
                ConfluentFraming.HEADER_BYTES))
                .isInstanceOf(UndecodableException.class)
                .hasMessage("The record does not match JSON Schema 3: 1 error(s), the first at /status (keyword "
                        + "enum).");
        assertThatThrownBy(() -> schemas.validate(ORDER, framed("{\"status\": \"NEW\"}"),
                ConfluentFraming.HEADER_BYTES))
                .hasMessageContaining("(keyword required)");
        assertThatThrownBy(() -> schemas.validate(ORDER, framed("{\"id\": secret-7731"), ConfluentFraming.HEADER_BYTES))
                .isInstanceOf(UndecodableException.class)
                .hasMessageStartingWith("The record is not JSON text after its framing")
                .message().doesNotContain("7731");
    }

    @Test
    void aReferenceToAnotherServerIsNeverFetched() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        AtomicInteger requests = new AtomicInteger();
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            byte[] body = "{\"type\": \"integer\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            RegisteredSchema remote = new RegisteredSchema("4", SchemaFormat.JSON,
                    "{\"properties\": {\"id\": {\"$ref\": "
                    + "\"http://127.0.0.1:" + server.getAddress().getPort() + "/id.json\"}}}");

            assertThatThrownBy(() -> schemas.validate(remote, framed("{\"id\": 1}"), ConfluentFraming.HEADER_BYTES))
                    .isInstanceOf(UndecodableException.class);
            assertThat(requests).hasValue(0);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aSchemasReferencesAreFoundByTheNamesItsRefsUse() throws Exception {
        RegisteredSchema money = new RegisteredSchema("5", SchemaFormat.JSON, """
                {"type": "object", "required": ["cents"], "properties": {"cents": {"type": "integer"}}}""");
        RegisteredSchema refund = new RegisteredSchema("6", SchemaFormat.JSON, """
                {"type": "object", "properties": {"amount": {"$ref": "money.json"}}}""",
                List.of(new RegisteredSchema.Reference("money.json", money)));
        RegisteredSchema withId = new RegisteredSchema("7", SchemaFormat.JSON, """
                {"$id": "https://schemas.example.com/shop/refund.json", "type": "object",
                 "properties": {"amount": {"$ref": "common/money.json"}}}""",
                List.of(new RegisteredSchema.Reference("common/money.json", money)));

        for (RegisteredSchema schema : List.of(refund, withId)) {
            schemas.validate(schema, framed("{\"amount\": {\"cents\": 250}}"), ConfluentFraming.HEADER_BYTES);
            assertThatThrownBy(() -> schemas.validate(schema, framed("{\"amount\": {\"cents\": \"many\"}}"),
                    ConfluentFraming.HEADER_BYTES))
                    .hasMessageEndingWith("the first at /amount/cents (keyword type).");
        }
    }

    private static byte[] framed(String json) {
        byte[] text = json.getBytes(StandardCharsets.UTF_8);
        byte[] framed = new byte[ConfluentFraming.HEADER_BYTES + text.length];
        framed[4] = 3;
        System.arraycopy(text, 0, framed, ConfluentFraming.HEADER_BYTES, text.length);
        return framed;
    }
}
