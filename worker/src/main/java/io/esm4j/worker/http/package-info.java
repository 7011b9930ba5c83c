/** The worker's HTTP side: Lambda's event source mapping API, health, metrics and the status page. */
@NullMarked
package io.esm4j.worker.http;

import org.jspecify.annotations.NullMarked;
