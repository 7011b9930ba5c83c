package io.esm4j.settings;

/**
 * The kind of thread a mapping calls its handler on: each lane of a stream shard, each poller of a queue. esm4j's
 * own threads (readers, committers, lease renewal, visibility heartbeats) are virtual either way.
 */
public enum HandlerThreads {
    /**
     * A virtual thread per lane or poller, the default. A handler that blocks while pinned to its carrier (on Java
     * 21–23 inside {@code synchronized} or a native call; on any Java inside a class initializer or a native call)
     * holds one of the scheduler's carriers, which are as many as cores, away from every other virtual thread.
     */
    VIRTUAL,
    /**
     * A daemon platform thread per lane or poller, as virtual threads are daemon: for handlers that block while
     * pinned, so that they neither cap each other at the number of cores nor starve the engine's virtual threads.
     */
    PLATFORM
}
