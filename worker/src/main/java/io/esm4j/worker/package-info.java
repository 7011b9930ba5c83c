/** The worker process: its command line ({@link io.esm4j.worker.Main}), options and lifecycle ({@link io.esm4j.worker.Worker}). */
@NullMarked
package io.esm4j.worker;

import org.jspecify.annotations.NullMarked;
