/** Where the worker keeps its leases and mappings: files in its data directory, DynamoDB tables or Redis. */
@NullMarked
package io.esm4j.worker.state;

import org.jspecify.annotations.NullMarked;
