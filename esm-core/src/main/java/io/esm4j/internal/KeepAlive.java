package io.esm4j.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * What keeps the JVM alive while a mapping runs: one non-daemon platform thread, {@value #THREAD_NAME}, that exists
 * while at least one mapping holds it, as a server socket's thread keeps a server's JVM alive. The engines' own threads
 * are daemons (virtual threads always are), so without it a {@code main} that starts a mapping and returns would end
 * the JVM at once: nothing consumed, no stop, leases left to expire. One thread for the JVM, whatever the number of
 * mappings, and none while no mapping runs.
 *
 * <p>The count and the thread change under one lock, so that a release that ends the count and a hold that begins it
 * again cannot leave a hold without a thread, nor a thread waiting without a hold: the thread ends only when it finds
 * the count at zero under the lock, and a hold starts a thread only when none is waiting.
 */
public final class KeepAlive {

    public static final String THREAD_NAME = "esm4j-keep-alive";

    private static final KeepAlive JVM = new KeepAlive(THREAD_NAME);

    private final String threadName;
    /** Nothing blocks under it but the thread's own wait, which lets it go. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition noneHeld = lock.newCondition();
    /** Guarded by {@link #lock}. */
    private int holds;
    /** The thread waiting for the count to reach zero, or null; guarded by {@link #lock}. */
    private @Nullable Thread thread;

    /** A keep-alive of its own, whose thread has this name (tests; mappings share {@link #jvm()}). */
    KeepAlive(String threadName) {
        this.threadName = threadName;
    }

    /** The one the JVM's mappings share. */
    public static KeepAlive jvm() {
        return JVM;
    }

    /**
     * Keeps the JVM alive until the hold is released, starting the thread if none runs.
     *
     * @throws OutOfMemoryError if no thread can be created; nothing is held then
     */
    public Hold hold() {
        lock.lock();
        try {
            if (thread == null) {
                // Explicitly not a daemon: a thread inherits that from its creator, which may be one (a handler that
                // starts another mapping, an HTTP server's thread).
                thread = Thread.ofPlatform().name(threadName).daemon(false).inheritInheritableThreadLocals(false)
                        .start(this::awaitNoneHeld);
            }
            holds++;
        } finally {
            lock.unlock();
        }
        return new Hold();
    }

    private void release() {
        lock.lock();
        try {
            holds--;
            if (holds == 0) {
                noneHeld.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    private void awaitNoneHeld() {
        lock.lock();
        try {
            while (holds > 0) {
                // Uninterruptibly: whoever interrupts every thread of the JVM must not end the mappings' hold on it.
                noneHeld.awaitUninterruptibly();
            }
            thread = null;
        } finally {
            lock.unlock();
        }
    }

    /** How many holds are not released (tests). */
    int holds() {
        lock.lock();
        try {
            return holds;
        } finally {
            lock.unlock();
        }
    }

    /** The thread that keeps the JVM alive, or null when none does (tests). */
    @Nullable Thread thread() {
        lock.lock();
        try {
            return thread;
        } finally {
            lock.unlock();
        }
    }

    /** One mapping's hold on the JVM. */
    public final class Hold {

        private final AtomicBoolean released = new AtomicBoolean();

        private Hold() {}

        /** Lets the JVM go as far as this hold goes; once, whoever calls it again. */
        public void release() {
            if (released.compareAndSet(false, true)) {
                KeepAlive.this.release();
            }
        }

        public boolean released() {
            return released.get();
        }
    }
}
