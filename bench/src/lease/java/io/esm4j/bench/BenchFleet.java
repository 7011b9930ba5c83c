package io.esm4j.bench;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** Three workers of one consumer on one stream, esm4j's or the KCL's, as the bench drives them. */
interface BenchFleet extends AutoCloseable {

    /** The workers' ids, as the lease table names owners. */
    List<String> workers();

    /** Unfinished shards per owner, as the lease table has them now (read by a client the counters do not see). */
    Map<String, Set<String>> holdings();

    /** Every worker's DynamoDB calls since the last reset, by operation. */
    Map<String, Long> dynamoDbCalls();

    void resetCalls();

    /** Abandons a worker: both its clients fail every later call, so it can neither renew nor release. */
    void cut(String worker);
}
