/** The worker's SLF4J back end: structured JSON lines. */
@NullMarked
package io.esm4j.worker.logging;

import org.jspecify.annotations.NullMarked;
