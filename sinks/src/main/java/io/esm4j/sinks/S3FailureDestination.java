package io.esm4j.sinks;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.esm4j.failure.DestinationRefusedException;
import io.esm4j.failure.FailureDestination;
import io.esm4j.failure.FailureRecord;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.stream.StreamRecord;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.RegionMetadata;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An on-failure destination on an S3 bucket: each failure record becomes one JSON object, as Lambda stores it
 * (docs/lambda-semantics.md §3.5): the record's JSON plus, last, {@code "payload"}, the event Lambda would have
 * invoked the function with for the given-up records, as an escaped JSON string; content type
 * {@code application/json}. The key is
 * {@code aws/lambda/<mapping UUID>/<shard id>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<random UUID>}, with the record's
 * timestamp in UTC; for Kafka the shard id is the records' {@code <topic>-<partition>}. The random UUID is the
 * record's requestId, the same on every attempt, so a retried delivery overwrites what an earlier one stored.
 *
 * <p>Lambda puts the event source mapping's UUID in the key. An esm4j mapping has a name instead: a name that is a
 * UUID (the worker's mappings are named by theirs) is used as it is, any other gives a UUID
 * {@link #mappingUuid(String) derived from the name} (a name-based version 3 UUID): stable across restarts and
 * workers, the same for everyone who runs the mapping under that name.
 *
 * <p>{@link #send} returns once S3 has stored the object; if S3 refuses (a missing bucket, missing permission, a slow
 * down), it throws and the engine keeps the records' checkpoint and retries the delivery. The bucket is not looked
 * up when the destination is built.
 */
public final class S3FailureDestination implements FailureDestination {

    private static final Logger LOG = LoggerFactory.getLogger(S3FailureDestination.class);
    /** A mapping name as {@code EventSourceMapping.builder} accepts it. */
    private static final Pattern MAPPING_NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    /** An event source mapping's UUID as Lambda writes it; {@link UUID#toString} gives it back unchanged. */
    private static final Pattern LAMBDA_UUID =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    /** S3's rules for general purpose bucket names, less the ones about IP addresses and reserved prefixes. */
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final DateTimeFormatter KEY_TIME =
            DateTimeFormatter.ofPattern("yyyy/MM/dd/yyyy-MM-dd'T'HH.mm.ss").withZone(ZoneOffset.UTC);

    private final S3Client s3;
    private final String bucket;
    private final String mappingName;
    private final UUID mappingUuid;
    private final EventJson eventJson;

    private S3FailureDestination(S3Client s3, String bucket, String mappingName, EventJson eventJson) {
        this.s3 = s3;
        this.bucket = bucket;
        this.mappingName = mappingName;
        this.mappingUuid = mappingUuid(mappingName);
        this.eventJson = eventJson;
    }

    /** A destination on this bucket for the mapping named {@code mappingName}, with the default {@link EventJson}. */
    public static S3FailureDestination of(S3Client s3, String bucket, String mappingName) {
        return of(s3, bucket, mappingName, EventJson.lambdaEvent());
    }

    /**
     * A destination on this bucket for the mapping named {@code mappingName}.
     *
     * @param eventJson writes the {@code payload}: the event of the given-up records
     */
    public static S3FailureDestination of(S3Client s3, String bucket, String mappingName, EventJson eventJson) {
        Objects.requireNonNull(s3, "s3");
        Objects.requireNonNull(eventJson, "eventJson");
        checkBucket(bucket);
        checkMappingName(mappingName);
        return new S3FailureDestination(s3, bucket, mappingName, eventJson);
    }

    private static void checkBucket(String bucket) {
        if (bucket == null || !BUCKET.matcher(bucket).matches() || bucket.contains("..")) {
            throw new IllegalArgumentException("bucket must be an S3 bucket name (3–63 lowercase letters, digits, "
                    + "'.' and '-', starting and ending with a letter or digit) but was '" + bucket + "'");
        }
    }

    /**
     * A destination named the way Lambda's {@code DestinationConfig.OnFailure.Destination} names it:
     * {@code arn:<partition>:s3:::<bucket>}.
     */
    public static S3FailureDestination ofArn(S3Client s3, String bucketArn, String mappingName, EventJson eventJson) {
        return of(s3, checkArn(bucketArn), mappingName, eventJson);
    }

    /** Checks a bucket's ARN without calling S3; returns the bucket's name. */
    static String checkArn(String bucketArn) {
        Arn arn = Arn.parse(bucketArn);
        if (arn == null || !arn.service().equals("s3") || !arn.region().isEmpty() || !arn.account().isEmpty()
                || arn.resource().contains("/")) {
            throw new IllegalArgumentException("destination must be an S3 bucket ARN (arn:<partition>:s3:::<bucket>) "
                    + "but was '" + bucketArn + "'");
        }
        checkBucket(arn.resource());
        return arn.resource();
    }

    /**
     * The UUID that stands for the mapping's UUID in object keys. A name that is a UUID as Lambda writes one (36
     * lowercase hexadecimal digits and dashes), as the worker names each mapping by its UUID, is that UUID: the
     * objects are under the mapping's own UUID, as Lambda keys them. Any other name gives
     * {@link UUID#nameUUIDFromBytes} of the UTF-8 name, a version 3 (MD5, name-based) UUID. To find a mapping's
     * objects, list the prefix {@code aws/lambda/<mappingUuid(name)>/}.
     */
    public static UUID mappingUuid(String mappingName) {
        checkMappingName(mappingName);
        if (LAMBDA_UUID.matcher(mappingName).matches()) {
            return UUID.fromString(mappingName);
        }
        return UUID.nameUUIDFromBytes(mappingName.getBytes(StandardCharsets.UTF_8));
    }

    public String bucket() {
        return bucket;
    }

    /**
     * The bucket's ARN, which a held result names: {@code arn:<partition>:s3:::<bucket>}, the partition that of the
     * client's region ({@code aws} if it has none the SDK knows).
     */
    String bucketArn() {
        Region region = s3.serviceClientConfiguration().region();
        RegionMetadata metadata = region == null ? null : region.metadata();
        String partition = metadata == null || metadata.partition() == null ? "aws" : metadata.partition().id();
        return "arn:" + partition + ":s3:::" + bucket;
    }

    /**
     * Checks that this destination's {@link EventJson} writes payloads of {@code payloadType}, the mapping's (its
     * source's {@code T}), which the destination cannot learn on its own before the first record is given up.
     *
     * @return this destination
     * @throws IllegalArgumentException naming the type and how to give an {@code EventJson} for it
     */
    public S3FailureDestination checkPayloadType(Class<?> payloadType) {
        Objects.requireNonNull(payloadType, "payloadType");
        try {
            eventJson.checkPayloadType(payloadType);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("on-failure destination " + bucketArn() + ": " + e.getMessage(), e);
        }
        return this;
    }

    @Override
    public void send(FailureRecord record) {
        checkPayloads(record);
        String key = key(record);
        String body = document(record);
        try {
            s3.putObject(r -> r.bucket(bucket).key(key).contentType("application/json"),
                    RequestBody.fromString(body, StandardCharsets.UTF_8));
        } catch (SdkException e) {
            throw refusal(e, key);
        }
        LOG.atDebug().addKeyValue("bucket", bucket).addKeyValue("key", key).addKeyValue("mapping", mappingName)
                .addKeyValue("requestId", record.requestContext().requestId())
                .addKeyValue("records", record.records().size()).log("failure record stored in S3");
    }

    /**
     * Refuses, before anything is stored, a record whose payloads the {@link EventJson} says it cannot write (the
     * default's error for a custom source's payloads): a refusal only a user can end, by giving an EventJson, so held
     * as the mapping's LastProcessingResult rather than left to the state transition reason.
     */
    private void checkPayloads(FailureRecord record) {
        Set<Class<?>> checked = new HashSet<>();
        for (Object payload : EventJson.payloads(record)) {
            if (payload != null && checked.add(payload.getClass())) {
                try {
                    eventJson.checkPayloadType(payload.getClass());
                } catch (IllegalArgumentException e) {
                    String message = "cannot store a failure record in S3 bucket " + bucket + ": " + e.getMessage();
                    throw new IllegalStateException(message, new DestinationRefusedException(
                            DestinationRefusals.unwritablePayload(bucketArn(), payload.getClass()), message, e));
                }
            }
        }
    }

    /**
     * The refusal to throw for a failed PutObject. S3 refuses a request sent to or signed for another region than the
     * bucket's (301 PermanentRedirect, or 400 AuthorizationHeaderMalformed) naming the bucket's region in a header
     * the SDK's message leaves out: said here, with the ways out, and held as the mapping's result, since only a new
     * client ends it.
     */
    private IllegalStateException refusal(SdkException e, String key) {
        String message = "cannot store a failure record in S3 bucket " + bucket + " (key " + key + "): "
                + e.getMessage();
        Region clientRegion = s3.serviceClientConfiguration().region();
        Optional<String> bucketRegion = e instanceof AwsServiceException refusal
                ? DestinationRefusals.bucketRegion(refusal) : Optional.empty();
        if (clientRegion == null || bucketRegion.isEmpty() || bucketRegion.get().equals(clientRegion.id())) {
            return DestinationRefusals.refusal(message, e, "S3", bucketArn());
        }
        String region = bucketRegion.get();
        return DestinationRefusals.refusal(message + "; the bucket is in region " + region + " but the S3Client is "
                        + "for region " + clientRegion.id() + ": give an S3Client of region " + region + ", or one "
                        + "built with crossRegionAccessEnabled(true)", e, "S3", bucketArn(),
                Optional.of(DestinationRefusals.otherRegion(bucketArn(), region, clientRegion.id())));
    }

    /** The object's key for this record. */
    String key(FailureRecord record) {
        return "aws/lambda/" + mappingUuid + "/" + shardId(record) + "/" + KEY_TIME.format(record.timestamp()) + "-"
                + objectUuid(record);
    }

    /**
     * The key's last part, a random UUID in Lambda's keys: here the record's requestId, which the engine draws at
     * random for each failure record and keeps on every attempt to deliver it (any other requestId gives a UUID
     * derived from it). A delivery retried after S3 stored the object but its answer was lost (a timeout, a dropped
     * connection) then overwrites that object instead of storing the records a second time under another key, and
     * the requestId in a log leads to the object.
     */
    private static UUID objectUuid(FailureRecord record) {
        String requestId = record.requestContext().requestId();
        return LAMBDA_UUID.matcher(requestId).matches() ? UUID.fromString(requestId)
                : UUID.nameUUIDFromBytes(requestId.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The batch info's shard, or else the shard of the given-up records: a Kafka batch info has none of its own, and
     * its records' shard is their {@code <topic>-<partition>} (a failure record holds records of one partition).
     */
    private String shardId(FailureRecord record) {
        if (record.batchInfo() instanceof StreamBatchInfo info) {
            return info.shardId();
        }
        if (!record.records().isEmpty() && record.records().getFirst() instanceof StreamRecord<?> first) {
            return first.shardId();
        }
        throw new IllegalStateException("cannot store a failure record in S3 bucket " + bucket + ": its keys name a "
                + "shard, but the record has " + record.batchInfo().jsonKey() + " and no stream records");
    }

    /** The record's JSON with the event added last as {@code "payload"}, a JSON string. */
    String document(FailureRecord record) {
        String json = record.toJson();
        if (!json.endsWith("}")) {
            throw new IllegalStateException("a failure record's JSON must be an object but ended with '"
                    + json.charAt(json.length() - 1) + "'");
        }
        String event = eventJson.write(record);
        if (event == null) {
            throw new IllegalStateException("the S3 destination's EventJson returned null instead of the event");
        }
        // Spliced rather than re-parsed: the record's own fields keep their order and exact formatting.
        StringBuilder document = new StringBuilder(json.length() + event.length() + 32);
        document.append(json, 0, json.length() - 1).append(",\"payload\":\"");
        JsonStringEncoder.getInstance().quoteAsString(event, document);
        return document.append("\"}").toString();
    }

    @Override
    public String toString() {
        return "S3FailureDestination[" + bucket + ", mapping " + mappingName + " = " + mappingUuid + "]";
    }

    static void checkMappingName(String mappingName) {
        if (mappingName == null || !MAPPING_NAME.matcher(mappingName).matches()) {
            throw new IllegalArgumentException("mappingName must be an event source mapping's name (1–128 letters, "
                    + "digits, '.', '_' or '-') but was '" + mappingName + "'");
        }
    }
}
