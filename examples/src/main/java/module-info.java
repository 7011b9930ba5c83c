/**
 * Runnable examples on the in-memory stream and queue. Nothing is exported: the examples are programs, not API, and
 * a module that names its main class runs it without exporting its package.
 */
module io.esm4j.examples {
    requires io.esm4j.core;
}
