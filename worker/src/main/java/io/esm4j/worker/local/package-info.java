/** Local mode: the worker with its own SQS, Kafka and Kinesis, for a demo without AWS. */
@NullMarked
package io.esm4j.worker.local;

import org.jspecify.annotations.NullMarked;
