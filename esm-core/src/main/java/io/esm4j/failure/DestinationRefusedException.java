package io.esm4j.failure;

import java.util.Objects;

/**
 * A {@link FailureDestination}'s refusal that the mapping also shows as its LastProcessingResult, from the first
 * refusal until a delivery succeeds, whatever the batches report meanwhile: a destination that refuses the mapping's
 * credentials or permissions, or does not exist, which stays refused until someone grants them or creates it. Every refusal shows as the state
 * transition reason and counts in {@code DestinationDeliveryFailures}; this one also shows where Lambda shows the
 * problems a user must act on. Thrown by {@link FailureDestination#send} (or found among the causes of what it throws). The
 * processing result and the message are shown and logged: neither may hold a payload or a credential.
 */
public class DestinationRefusedException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String processingResult;

    /**
     * @param processingResult the LastProcessingResult while the destination refuses, e.g.
     *                         {@code PROBLEM: Cluster failed to authorize Lambda to write to ...}
     */
    public DestinationRefusedException(String processingResult, String message, Throwable cause) {
        super(message, cause);
        this.processingResult = Objects.requireNonNull(processingResult, "processingResult");
    }

    /** The LastProcessingResult while the destination refuses. */
    public String processingResult() {
        return processingResult;
    }
}
