package io.esm4j.sinks;

import io.esm4j.failure.FailureRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** {@link EventJson#ofPayloads}: the payloads, checked to be of one type, handed to a writer. */
record PayloadsEventJson<P>(Class<P> payloadType, Function<List<P>, String> writer) implements EventJson {

    @Override
    public String write(FailureRecord failure) {
        List<P> payloads = new ArrayList<>();
        for (Object payload : EventJson.payloads(failure)) {
            if (!payloadType.isInstance(payload)) {
                throw new IllegalStateException("cannot write the event of a failure record: a record's payload "
                        + "is " + (payload == null ? "null" : payload.getClass().getName())
                        + " but this EventJson expects " + payloadType.getTypeName());
            }
            payloads.add(payloadType.cast(payload));
        }
        return writer.apply(payloads);
    }

    @Override
    public void checkPayloadType(Class<?> type) {
        if (!payloadType.isAssignableFrom(type)) {
            throw new IllegalArgumentException("this EventJson writes payloads of type " + payloadType.getTypeName()
                    + " but the mapping's payloads are " + type.getTypeName() + "; "
                    + LambdaEventJson.FIX.formatted(type.getSimpleName()));
        }
    }
}
