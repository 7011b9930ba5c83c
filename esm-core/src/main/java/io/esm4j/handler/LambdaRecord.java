package io.esm4j.handler;

/**
 * A source's record payload that writes itself as Lambda writes it in the {@code Records} array of a function's event.
 * Code that holds only the payloads of given-up records, and depends on no source module (the sinks module's S3
 * on-failure destination, which stores the event of those records as its {@code payload}), writes Lambda's event of
 * them with it: {@code {"Records":[<lambdaJson()>,...]}}. The DynamoDB Streams and Kinesis sources' records implement
 * it.
 */
public interface LambdaRecord {

    /**
     * This record's JSON object in Lambda's {@code {"Records":[...]}} event, exactly as its source's event writer
     * writes it there (field order and number formats included).
     */
    String lambdaJson();
}
