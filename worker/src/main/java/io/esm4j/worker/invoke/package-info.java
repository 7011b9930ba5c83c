/** Invoke targets: Lambda's Invoke API, plain HTTP URLs and Java handlers, with timeouts and concurrency limits. */
@NullMarked
package io.esm4j.worker.invoke;

import org.jspecify.annotations.NullMarked;
