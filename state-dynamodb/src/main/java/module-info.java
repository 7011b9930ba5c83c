/** Shard leases with fenced checkpoints and a durable idempotency store in DynamoDB. */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.esm4j.dynamodb {
    requires transitive io.esm4j.core;
    // DynamoDbLeaseStore and DynamoDbIdempotencyStore take a DynamoDbClient: public API.
    requires transitive software.amazon.awssdk.services.dynamodb;
    requires software.amazon.awssdk.core;
    requires software.amazon.awssdk.awscore;
    requires org.slf4j;
    requires static org.jspecify;

    exports io.esm4j.dynamodb;
}
