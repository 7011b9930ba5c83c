@NullMarked
package io.esm4j.worker.mappings;

import org.jspecify.annotations.NullMarked;
