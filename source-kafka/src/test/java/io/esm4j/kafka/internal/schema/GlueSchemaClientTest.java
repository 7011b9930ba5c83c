package io.esm4j.kafka.internal.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.kafka.KafkaSchemaRegistry;
import io.esm4j.kafka.KafkaSchemaRegistry.Attribute;
import io.esm4j.kafka.KafkaSchemaRegistry.EventRecordFormat;
import io.esm4j.kafka.internal.schema.SchemaSource.Found;
import io.esm4j.kafka.internal.schema.SchemaSource.NotFound;
import io.esm4j.kafka.internal.schema.SchemaSource.RegistryFailure;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.glue.GlueClient;

/** Glue's answers as the client reads them, and the settings a Glue registry refuses. */
class GlueSchemaClientTest {

    private static final FakeGlueRegistry glue = start();
    private static final GlueClient client = glue.client();
    private static final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final GlueSchemaClient shop = new GlueSchemaClient(client, FakeGlueRegistry.registryArn("shop"), executor);

    private static FakeGlueRegistry start() {
        try {
            return new FakeGlueRegistry();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stop() {
        executor.close();
        client.close();
        glue.close();
    }

    @Test
    void anAvailableVersionOfTheRegistryIsFoundAndAnyOtherIsNotOrIsAskedForAgain() {
        UUID available = glue.register("shop", "orders", "JSON", "{}", "AVAILABLE");
        UUID elsewhere = glue.register("shop-archive", "orders", "JSON", "{}", "AVAILABLE");
        UUID deleting = glue.register("shop", "orders", "JSON", "{}", "DELETING");
        UUID pending = glue.register("shop", "orders", "JSON", "{}", "PENDING");
        UUID unknown = UUID.randomUUID();

        assertThat(shop.fetch(available.toString()).join()).isEqualTo(new Found(new RegisteredSchema(
                available.toString(), SchemaFormat.JSON, "{}")));
        assertThat(shop.fetch(elsewhere.toString()).join()).isEqualTo(new NotFound(elsewhere.toString(),
                "Schema version " + elsewhere + " is in AWS Glue registry 'shop-archive', not in the mapping's "
                        + "registry 'shop'."));
        assertThat(shop.fetch(deleting.toString()).join()).isEqualTo(new NotFound(deleting.toString(),
                "Schema version " + deleting + " is DELETING in AWS Glue."));
        assertThat(shop.fetch(unknown.toString()).join()).isEqualTo(new NotFound(unknown.toString(),
                "AWS Glue has no schema version " + unknown + "."));
        assertThatThrownBy(() -> shop.fetch(pending.toString()).join()).isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(RegistryFailure.class).hasMessage("Schema version " + pending
                        + " is still PENDING in AWS Glue.");
    }

    @Test
    void aGlueRegistryNeedsARegistryArnAndTakesNoBasicAuthenticationOrTlsSettings() {
        assertThatThrownBy(() -> KafkaSchemaRegistry.glue("arn:aws:glue:us-east-1:123456789012:schema/shop/orders",
                client).eventRecordFormat(EventRecordFormat.JSON).validate(Attribute.VALUE).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Invalid value for SchemaRegistryURI: "
                        + "arn:aws:glue:us-east-1:123456789012:schema/shop/orders. Expected an AWS Glue registry ARN, "
                        + "arn:aws:glue:<region>:<account>:registry/<name>.");
        assertThatThrownBy(() -> KafkaSchemaRegistry.glue(FakeGlueRegistry.registryArn("shop"), client)
                .eventRecordFormat(EventRecordFormat.JSON).validate(Attribute.VALUE).basicAuth("key", "secret").build())
                .hasMessageStartingWith("Invalid settings for AWS Glue registry " + FakeGlueRegistry.registryArn("shop")
                        + ": basic authentication or TLS settings.");
        KafkaSchemaRegistry registry = KafkaSchemaRegistry.glue(FakeGlueRegistry.registryArn("shop"), client)
                .eventRecordFormat(EventRecordFormat.SOURCE).validate(Attribute.KEY).build();
        assertThat(registry.uri()).isNull();
        assertThat(registry.glueRegistryArn()).isEqualTo(FakeGlueRegistry.registryArn("shop"));
        assertThat(registry).hasToString("KafkaSchemaRegistry[glue=" + FakeGlueRegistry.registryArn("shop")
                + ", eventRecordFormat=SOURCE, attributes=[KEY], username=null, tls=default]");
    }
}
