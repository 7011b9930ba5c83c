/**
 * What esm4j's tests share: JUnit conditions that skip without Docker or Node.js (with one log line), the test servers
 * started from npm, and the contract every idempotency store is held to.
 */
module io.esm4j.testsupport {
    // @RequiresDocker and @RequiresNode are meta-annotated with JUnit's @ExtendWith.
    requires transitive org.junit.jupiter.api;
    // IdempotencyStoreContract and LeaseStoreContract, which the tests of a user's own store extend, name the store
    // interfaces and MutableClock: a test module requiring this one must read them without requiring core itself.
    requires transitive io.esm4j.core;
    requires org.assertj.core;
    requires org.slf4j;
    // LogCapture lowers slf4j-simple's levels while a test captures what a class logs.
    requires org.slf4j.simple;
    // TestCertificates hands out HTTPS servers.
    requires transitive jdk.httpserver;
    requires static org.jspecify;

    exports io.esm4j.testsupport;
    // JUnit instantiates the package-private conditions behind those annotations by reflection.
    opens io.esm4j.testsupport to org.junit.platform.commons;
}
