package io.esm4j.kafka.internal.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.kafka.internal.schema.FakeSchemaRegistry.Answer;
import io.esm4j.kafka.internal.schema.FakeSchemaRegistry.Ref;
import io.esm4j.kafka.internal.schema.RegisteredSchema.Reference;
import io.esm4j.kafka.internal.schema.SchemaSource.Found;
import io.esm4j.kafka.internal.schema.SchemaSource.NotFound;
import io.esm4j.kafka.internal.schema.SchemaSource.RegistryFailure;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The registry's answers as the client reads them, from a registry with a path prefix and basic authentication. */
class ConfluentRegistryClientTest {

    private static final FakeSchemaRegistry registry = start();
    private static final HttpClient http = HttpClient.newHttpClient();
    private final ConfluentRegistryClient client = new ConfluentRegistryClient(registry.uri(), "key", "secret", http,
            Duration.ofSeconds(30));

    private static FakeSchemaRegistry start() {
        try {
            return new FakeSchemaRegistry("/apis/ccompat/v7");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stop() {
        registry.close();
        http.close();
    }

    @Test
    void aSchemaWithoutSchemaTypeIsAvroAndOneWithItHasItsFormat() {
        registry.answer(1, FakeSchemaRegistry.schema(null, "{\"type\":\"string\"}"));
        registry.answer(2, FakeSchemaRegistry.schema("JSON", "{\"type\":\"object\"}"));
        registry.answer(3, FakeSchemaRegistry.schema("PROTOBUF", "syntax = \"proto3\";\nmessage M {}"));

        assertThat(client.fetch("1").join()).isEqualTo(new Found(new RegisteredSchema("1", SchemaFormat.AVRO,
                "{\"type\":\"string\"}")));
        assertThat(client.fetch("2").join()).isEqualTo(new Found(new RegisteredSchema("2", SchemaFormat.JSON,
                "{\"type\":\"object\"}")));
        assertThat(client.fetch("3").join()).isEqualTo(new Found(new RegisteredSchema("3", SchemaFormat.PROTOBUF,
                "syntax = \"proto3\";\nmessage M {}")));
        // Basic authentication of key:secret, under the registry's path prefix.
        assertThat(registry.requests).contains(new FakeSchemaRegistry.Request("/apis/ccompat/v7/schemas/ids/1",
                "Basic a2V5OnNlY3JldA=="));
    }

    @Test
    void onlyTheRegistrysOwnNotFoundMeansTheSchemaIsMissing() {
        assertThat(client.fetch("404").join()).isEqualTo(new NotFound("404", "The registry has no schema with the "
                + "record's id."));

        // A 404 without error code 40403 is a wrong URL, and a 401 wrong credentials: failures to try again.
        ConfluentRegistryClient wrongPath = new ConfluentRegistryClient(URI.create(registry.uri() + "/nothing-here"),
                null, null, http, Duration.ofSeconds(30));
        assertThatThrownBy(() -> wrongPath.fetch("404").join()).isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(RegistryFailure.class)
                .hasMessageStartingWith("The schema registry answered HTTP 404 to GET " + registry.uri()
                        + "/nothing-here/schemas/ids/404: {\"error_code\":404,")
                .hasMessageEndingWith("Expected 200 with the schema, or 404 with error_code 40403 for an unknown id.");
        registry.answer(5, new Answer(401, "{\"error_code\":401,\"message\":\"Unauthorized\"}"));
        assertThatThrownBy(() -> client.fetch("5").join()).cause().isInstanceOf(RegistryFailure.class)
                .hasMessageContaining("HTTP 401").hasMessageContaining("Unauthorized");
    }

    @Test
    void theSchemasASchemaReferencesComeWithItAndAMissingOneMeansNotFound() {
        registry.answer(10, FakeSchemaRegistry.schema("PROTOBUF", "import \"order.proto\"; message R {}",
                new Ref("order.proto", "shop orders", 2)));
        registry.answerSubject("shop orders", 2, new Answer(200, "{\"subject\":\"shop orders\",\"version\":2,"
                + "\"id\":8,\"schemaType\":\"PROTOBUF\",\"schema\":\"import \\\"money.proto\\\"; message O {}\","
                + "\"references\":[{\"name\":\"money.proto\",\"subject\":\"money\",\"version\":1}]}"));
        registry.answerSubject("money", 1, new Answer(200, "{\"subject\":\"money\",\"version\":1,\"id\":5,"
                + "\"schemaType\":\"PROTOBUF\",\"schema\":\"message M {}\"}"));

        RegisteredSchema money = new RegisteredSchema("5", SchemaFormat.PROTOBUF, "message M {}");
        RegisteredSchema order = new RegisteredSchema("8", SchemaFormat.PROTOBUF,
                "import \"money.proto\"; message O {}", List.of(new Reference("money.proto", money)));
        RegisteredSchema schema = new RegisteredSchema("10", SchemaFormat.PROTOBUF,
                "import \"order.proto\"; message R {}", List.of(new Reference("order.proto", order)));
        assertThat(client.fetch("10").join()).isEqualTo(new Found(schema));
        // Dependencies first, as parsers need them; the subject's name encoded in the path.
        assertThat(schema.referencesInDependencyOrder()).extracting(Reference::name)
                .containsExactly("money.proto", "order.proto");
        assertThat(registry.requests).extracting(FakeSchemaRegistry.Request::path)
                .contains("/apis/ccompat/v7/subjects/shop orders/versions/2");

        registry.answer(11, FakeSchemaRegistry.schema(null, "{\"type\":\"string\"}",
                new Ref("com.example.Gone", "gone", 3)));
        assertThat(client.fetch("11").join()).isEqualTo(new NotFound("11", "The registry has no version 3 of subject "
                + "gone, which schema 11 references as com.example.Gone."));
    }

    @Test
    void aSchemaOfATypeEsm4jDoesNotReadIsUnusableRatherThanAskedForAgain() {
        registry.answer(12, FakeSchemaRegistry.schema("XML", "<schema/>"));

        assertThat(client.fetch("12").join()).isEqualTo(new SchemaSource.Unusable("12", "Schema 12 is of schemaType "
                + "XML, which esm4j does not read. Expected AVRO, JSON or PROTOBUF."));
    }

    @Test
    void aPasswordInTheRegistrysUrlStaysOutOfErrors() {
        URI withPassword = URI.create(registry.uri().toString().replace("http://", "http://user:hunter2@"));

        assertThat(ConfluentRegistryClient.withoutUserInfo(withPassword)).isEqualTo(registry.uri().toString());
    }
}
