package io.esm4j.kafka.internal.schema;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.glue.model.EntityNotFoundException;
import software.amazon.awssdk.services.glue.model.GetSchemaVersionResponse;
import software.amazon.awssdk.services.glue.model.SchemaVersionStatus;

/**
 * Asks AWS Glue's Schema Registry for a schema version by id ({@code GetSchemaVersion}), on a virtual thread per
 * call, so that nothing on the record path waits on the network. A version of another registry than the mapping's is
 * not found; one still being registered ({@code PENDING}) is asked for again later.
 */
public final class GlueSchemaClient implements SchemaSource {

    private final GlueClient glue;
    private final String registryName;
    private final Executor executor;

    /**
     * @param registryArn {@code arn:<partition>:glue:<region>:<account>:registry/<name>}, already checked
     * @param executor    where the blocking calls run
     */
    public GlueSchemaClient(GlueClient glue, String registryArn, Executor executor) {
        this.glue = Objects.requireNonNull(glue, "glue");
        this.registryName = registryArn.substring(registryArn.indexOf(":registry/") + ":registry/".length());
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    @Override
    public CompletableFuture<Lookup> fetch(String id) {
        return CompletableFuture.supplyAsync(() -> lookup(id), executor);
    }

    private Lookup lookup(String id) {
        GetSchemaVersionResponse version;
        try {
            version = glue.getSchemaVersion(request -> request.schemaVersionId(id));
        } catch (EntityNotFoundException e) {
            return new NotFound(id, "AWS Glue has no schema version " + id + ".");
        } catch (RuntimeException e) {
            throw new RegistryFailure("AWS Glue's GetSchemaVersion for " + id + " failed: " + e.getMessage(), e);
        }
        // arn:<partition>:glue:<region>:<account>:schema/<registry>/<schema>
        String schemaArn = String.valueOf(version.schemaArn());
        String inRegistry = schemaArn.contains(":schema/") ? schemaArn.substring(schemaArn.indexOf(":schema/")
                + ":schema/".length()).split("/", 2)[0] : "";
        if (!inRegistry.equals(registryName)) {
            return new NotFound(id, "Schema version " + id + " is in AWS Glue registry '" + inRegistry + "', not in "
                    + "the mapping's registry '" + registryName + "'.");
        }
        if (version.status() == SchemaVersionStatus.PENDING) {
            throw new RegistryFailure("Schema version " + id + " is still PENDING in AWS Glue.");
        }
        if (version.status() != SchemaVersionStatus.AVAILABLE) {
            return new NotFound(id, "Schema version " + id + " is " + version.statusAsString() + " in AWS Glue.");
        }
        SchemaFormat format = SchemaFormat.ofSchemaType(version.dataFormatAsString());
        if (format == null) {
            return new Unusable(id, "Schema version " + id + " is of DataFormat " + version.dataFormatAsString()
                    + ", which esm4j does not read. Expected AVRO, JSON or PROTOBUF.");
        }
        return new Found(new RegisteredSchema(id, format, version.schemaDefinition()));
    }
}
