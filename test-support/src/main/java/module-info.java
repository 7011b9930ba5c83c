/** JUnit conditions shared by esm4j's integration tests: skip without Docker or Node.js, with one log line. */
module io.esm4j.testsupport {
    // @RequiresDocker and @RequiresNode are meta-annotated with JUnit's @ExtendWith.
    requires transitive org.junit.jupiter.api;
    requires org.slf4j;
    requires static org.jspecify;

    exports io.esm4j.testsupport;
    // JUnit instantiates the package-private conditions behind those annotations by reflection.
    opens io.esm4j.testsupport to org.junit.platform.commons;
}
