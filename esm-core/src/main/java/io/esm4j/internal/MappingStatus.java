package io.esm4j.internal;

import io.esm4j.MappingState;

/** A mapping's state and last processing result, written by the engine and read by anyone. */
public final class MappingStatus {

    public static final String NO_RECORDS_PROCESSED = "No records processed";
    public static final String OK = "OK";
    public static final String FUNCTION_CALL_FAILED = "PROBLEM: Function call failed";

    private volatile MappingState state = MappingState.CREATING;
    private volatile String stateTransitionReason = "User action";
    private volatile String lastProcessingResult = NO_RECORDS_PROCESSED;

    public MappingState state() {
        return state;
    }

    public String stateTransitionReason() {
        return stateTransitionReason;
    }

    public String lastProcessingResult() {
        return lastProcessingResult;
    }

    public void transition(MappingState state, String reason) {
        this.stateTransitionReason = reason;
        this.state = state;
    }

    public void processed(String result) {
        this.lastProcessingResult = result;
    }
}
