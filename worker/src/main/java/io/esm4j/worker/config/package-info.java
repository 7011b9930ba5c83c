/** The mappings file (JSON or YAML in the shape of Lambda's CreateEventSourceMapping request), functions and endpoints. */
@NullMarked
package io.esm4j.worker.config;

import org.jspecify.annotations.NullMarked;
