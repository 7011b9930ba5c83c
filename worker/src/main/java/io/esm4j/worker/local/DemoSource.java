package io.esm4j.worker.local;

import io.esm4j.worker.WorkerOptions;

/**
 * One source of the local demo: its server (in this process or a child process), its part of the demo's mappings
 * file, the records it sends once the worker runs, and how many of them reached their function.
 */
interface DemoSource extends AutoCloseable {

    /** Records (or messages) sent to each mapping of the source. */
    int RECORDS = 10;

    /** Where the server runs, for the first lines the demo prints. */
    String server();

    /** Entries under {@code Functions:} of the demo's file, indented by two spaces. */
    String functions();

    /** Entries under {@code EventSourceMappings:}, indented by two spaces. */
    String mappings();

    /** The worker's options with this source's endpoints and state (e.g. a lease table) added. */
    WorkerOptions configure(WorkerOptions options);

    /** Sends the demo's records; the worker is running. */
    void send() throws Exception;

    /** Whether every record reached its function. */
    boolean done();

    /** What reached the functions so far, e.g. {@code 10 of 10 Kafka records reached the Java handler}. */
    String progress();

    @Override
    void close();
}
