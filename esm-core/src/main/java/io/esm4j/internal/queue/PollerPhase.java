package io.esm4j.internal.queue;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether {@code stop()} may interrupt a poller once its timeout has passed. Never inside a receive: the queue would
 * keep the abandoned long poll open and hide what it takes. Nor while a poller releases messages after a stop. Every
 * change is compare-and-set, so a poller cannot slip into a receive after stop() chose to interrupt it.
 */
final class PollerPhase {

    private enum Phase {
        /** Handling, deleting, backing off: stop() interrupts. */
        WORKING,
        /** In a receive, or releasing after a stop: stop() leaves it be. */
        SHIELDED,
        /** stop() has given up waiting and will not interrupt; the poller finishes and releases in the background. */
        ABANDONED,
        INTERRUPTED,
        ENDED
    }

    private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.WORKING);
    private volatile Thread thread;

    void bind(Thread poller) {
        this.thread = poller;
    }

    /** Returns false, and shields nothing, once stop() has interrupted the poller. */
    boolean enterShield() {
        while (true) {
            Phase seen = phase.get();
            switch (seen) {
                case ABANDONED, SHIELDED -> {
                    return true;
                }
                case INTERRUPTED, ENDED -> {
                    return false;
                }
                case WORKING -> {
                    if (phase.compareAndSet(Phase.WORKING, Phase.SHIELDED)) {
                        return true;
                    }
                }
            }
        }
    }

    /** After an abandon the poller stays abandoned: nothing interrupts it any more. */
    void leaveShield() {
        phase.compareAndSet(Phase.SHIELDED, Phase.WORKING);
    }

    /**
     * True once stop() has interrupted the poller. Only then is an InterruptedException the stop's; one a source
     * throws on its own (a client that takes a timeout for an interrupt) is a failed call, and the poller goes on.
     */
    boolean interruptedByStop() {
        return phase.get() == Phase.INTERRUPTED;
    }

    void ended() {
        phase.set(Phase.ENDED);
    }

    /**
     * Called once by stop() at its timeout: interrupts a working poller and returns true; leaves a shielded one to
     * finish in the background and returns false.
     */
    boolean abandon() {
        while (true) {
            Phase seen = phase.get();
            if (seen == Phase.WORKING) {
                if (phase.compareAndSet(Phase.WORKING, Phase.INTERRUPTED)) {
                    Thread poller = thread;
                    if (poller != null) {
                        poller.interrupt();
                    }
                    return true;
                }
            } else if (seen == Phase.SHIELDED) {
                if (phase.compareAndSet(Phase.SHIELDED, Phase.ABANDONED)) {
                    return false;
                }
            } else {
                return false;
            }
        }
    }
}
