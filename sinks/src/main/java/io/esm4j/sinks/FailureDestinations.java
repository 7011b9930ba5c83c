package io.esm4j.sinks;

import io.esm4j.failure.FailureDestination;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * One way in: the on-failure destination that Lambda's {@code DestinationConfig.OnFailure.Destination} names.
 *
 * <pre>{@code
 * FailureDestinations destinations = FailureDestinations.builder().sqs(sqs).sns(sns).s3(s3).build();
 * FailureDestination onFailure = destinations.forArn("orders", "arn:aws:sns:eu-west-1:123456789012:failures");
 * }</pre>
 *
 * <ul>
 *   <li>{@code arn:<partition>:sqs:<region>:<account>:<queue>}: {@link SqsFailureDestination} (its queue URL made
 *       from the ARN, so that sending needs {@code sqs:SendMessage} only)</li>
 *   <li>{@code arn:<partition>:sns:<region>:<account>:<topic>}: {@link SnsFailureDestination}</li>
 *   <li>{@code arn:<partition>:s3:::<bucket>}: {@link S3FailureDestination}, its payload written by the
 *       {@link Builder#eventJson EventJson} given here</li>
 *   <li>{@code kafka://<topic>}: a topic on the Kafka mapping's own cluster, through the function given to
 *       {@link Builder#kafkaTopics kafkaTopics}, e.g. {@code kafkaSource::failureTopic} from source-kafka (this
 *       module does not depend on Kafka)</li>
 * </ul>
 *
 * The clients carry region, credentials and endpoint overrides; only the ones the destinations use are needed. An
 * ARN of any other service, a FIFO queue or topic, and a destination whose client was not given are refused with
 * an error that names the value.
 */
public final class FailureDestinations {

    /**
     * A Kafka topic destination: Lambda's pattern ({@code kafka://[^.][a-zA-Z0-9\-_.]{0,248}}) with its first
     * character held to the ones Kafka allows in a topic's name too, as Lambda's takes any but '.', and a topic the
     * cluster refuses by its name would fail every delivery.
     */
    private static final Pattern KAFKA_TOPIC = Pattern.compile("kafka://[a-zA-Z0-9\\-_][a-zA-Z0-9\\-_.]{0,248}");
    private static final String FORMS = "an SQS queue (arn:<partition>:sqs:<region>:<account>:<queue>), an SNS "
            + "topic (arn:<partition>:sns:<region>:<account>:<topic>), an S3 bucket (arn:<partition>:s3:::<bucket>) "
            + "or a Kafka topic (kafka://<topic>)";

    private final @Nullable SqsClient sqs;
    private final @Nullable SnsClient sns;
    private final @Nullable S3Client s3;
    private final EventJson eventJson;
    private final @Nullable Function<String, ? extends FailureDestination> kafkaTopics;

    private FailureDestinations(Builder builder) {
        this.sqs = builder.sqs;
        this.sns = builder.sns;
        this.s3 = builder.s3;
        this.eventJson = builder.eventJson;
        this.kafkaTopics = builder.kafkaTopics;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The destination that {@code destination} names, for the mapping named {@code mappingName} (S3 keys carry it).
     *
     * @throws IllegalArgumentException if the mapping name is not one, the value is not a destination esm4j delivers
     *                                  to, or its client is missing or of another region; no service is called, so a
     *                                  queue, topic or bucket that does not exist fails the deliveries instead
     */
    public FailureDestination forArn(String mappingName, String destination) {
        check(mappingName, destination);
        if (destination.startsWith("kafka://")) {
            // check() refused a Kafka topic without kafkaTopics.
            Function<String, ? extends FailureDestination> topics = Objects.requireNonNull(kafkaTopics, "kafkaTopics");
            return Objects.requireNonNull(topics.apply(destination.substring("kafka://".length())),
                    "kafkaTopics returned null for " + destination);
        }
        // check() refused whatever is not an ARN of one of these services.
        return switch (Objects.requireNonNull(Arn.parse(destination), "destination").service()) {
            case "sqs" -> SqsFailureDestination.ofArn(client(sqs, "SqsClient", ".sqs", destination), destination);
            case "sns" -> SnsFailureDestination.of(client(sns, "SnsClient", ".sns", destination), destination);
            // check() lets no other service through.
            default -> S3FailureDestination.ofArn(client(s3, "S3Client", ".s3", destination), destination,
                    mappingName, eventJson);
        };
    }

    /**
     * {@link #forArn(String, String)} for a mapping whose payloads (its source's {@code T}) are of {@code payloadType}:
     * an S3 destination also checks here that the {@link Builder#eventJson EventJson} writes them, which it could
     * otherwise only find out at the first record given up; the other destinations write no payload.
     *
     * @throws IllegalArgumentException as {@link #forArn(String, String)}, and if the S3 destination's EventJson
     *                                  cannot write payloads of {@code payloadType}, naming it and how to give one
     */
    public FailureDestination forArn(String mappingName, String destination, Class<?> payloadType) {
        check(mappingName, destination, payloadType);
        FailureDestination resolved = forArn(mappingName, destination);
        return resolved instanceof S3FailureDestination s3Destination
                ? s3Destination.checkPayloadType(payloadType) : resolved;
    }

    /**
     * {@link #check(String, String)} for a mapping whose payloads are of {@code payloadType}: an S3 destination's
     * {@link Builder#eventJson EventJson} must write them.
     */
    public void check(String mappingName, String destination, Class<?> payloadType) {
        Objects.requireNonNull(payloadType, "payloadType");
        check(mappingName, destination);
        Arn arn = Arn.parse(destination);
        // A Kafka topic's (no ARN) failure records carry their payloads the source's own way.
        if (arn != null && arn.service().equals("s3")) {
            try {
                eventJson.checkPayloadType(payloadType);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("on-failure destination " + destination + ": " + e.getMessage(),
                        e);
            }
        }
    }

    /**
     * Checks what {@link #forArn} checks before it reaches a service: the mapping name, the destination's form, a
     * standard (not FIFO) queue or topic, a valid bucket or Kafka topic name, that Kafka topics are reachable here,
     * and, when the queue's or topic's client was given, that it is a client of the ARN's region (which
     * {@link #forArn} refuses otherwise, so that the mapping could never start). Calls nothing and needs no client
     * (without one, the region is checked when the destination is resolved), so that a control plane refuses a
     * destination when the mapping is defined, as Lambda's CreateEventSourceMapping does, rather than when it starts.
     *
     * @throws IllegalArgumentException naming the value and what is expected
     */
    public void check(String mappingName, String destination) {
        // Checked for every kind, not only S3's keys: two swapped strings fail here, naming the one in the wrong place.
        S3FailureDestination.checkMappingName(mappingName);
        if (destination != null && destination.startsWith("kafka://")) {
            checkKafkaTopic(destination);
            return;
        }
        Arn arn = Arn.parse(destination);
        if (arn == null) {
            throw new IllegalArgumentException("on-failure destination must be " + FORMS + " but was '"
                    + destination + "'");
        }
        switch (arn.service()) {
            case "sqs" -> {
                SqsFailureDestination.checkArn(destination);
                if (sqs != null) {
                    SqsFailureDestination.checkRegion(sqs, destination, arn.region());
                }
            }
            case "sns" -> {
                SnsFailureDestination.checkArn(destination);
                if (sns != null) {
                    SnsFailureDestination.checkRegion(sns, destination, arn.region());
                }
            }
            // A bucket's ARN names no region: a client of another one is found out by S3's answer.
            case "s3" -> S3FailureDestination.checkArn(destination);
            default -> throw new IllegalArgumentException("on-failure destination " + destination + " is an ARN of "
                    + "the service '" + arn.service() + "'; an event source mapping's on-failure destination must be "
                    + FORMS);
        }
    }

    private void checkKafkaTopic(String destination) {
        if (!KAFKA_TOPIC.matcher(destination).matches()) {
            throw new IllegalArgumentException("on-failure destination '" + destination + "' is not a valid Kafka "
                    + "topic: kafka:// and 1-249 letters, digits, '.', '_' or '-', not starting with '.'");
        }
        if (kafkaTopics == null) {
            throw new IllegalArgumentException("on-failure destination " + destination + " is a Kafka topic, but "
                    + "FailureDestinations was built without a way to reach one; give it with "
                    + ".kafkaTopics(kafkaSource::failureTopic) (source-kafka; Lambda takes Kafka topic destinations "
                    + "only on Kafka event source mappings, on the mapping's own cluster)");
        }
    }

    private static <C> C client(@Nullable C client, String type, String setter, String destination) {
        if (client == null) {
            throw new IllegalArgumentException("on-failure destination " + destination + " needs an " + type
                    + ", but FailureDestinations was built without one; give it with " + setter + "(client)");
        }
        return client;
    }

    public static final class Builder {
        private @Nullable SqsClient sqs;
        private @Nullable SnsClient sns;
        private @Nullable S3Client s3;
        private EventJson eventJson = EventJson.lambdaEvent();
        private @Nullable Function<String, ? extends FailureDestination> kafkaTopics;

        private Builder() {}

        /** The client for SQS queue destinations. */
        public Builder sqs(SqsClient client) {
            this.sqs = Objects.requireNonNull(client, "sqs");
            return this;
        }

        /** The client for SNS topic destinations. */
        public Builder sns(SnsClient client) {
            this.sns = Objects.requireNonNull(client, "sns");
            return this;
        }

        /** The client for S3 bucket destinations. */
        public Builder s3(S3Client client) {
            this.s3 = Objects.requireNonNull(client, "s3");
            return this;
        }

        /** How S3 destinations write the event of the given-up records; default {@link EventJson#lambdaEvent()}. */
        public Builder eventJson(EventJson eventJson) {
            this.eventJson = Objects.requireNonNull(eventJson, "eventJson");
            return this;
        }

        /**
         * How {@code kafka://<topic>} destinations are reached: a function from the topic name to the destination,
         * normally {@code kafkaSource::failureTopic} of the Kafka mapping's source (same cluster, same security
         * settings, Lambda's Kafka failure record).
         */
        public Builder kafkaTopics(Function<String, ? extends FailureDestination> kafkaTopics) {
            this.kafkaTopics = Objects.requireNonNull(kafkaTopics, "kafkaTopics");
            return this;
        }

        public FailureDestinations build() {
            return new FailureDestinations(this);
        }
    }
}
