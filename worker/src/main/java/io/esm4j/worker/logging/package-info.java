@NullMarked
package io.esm4j.worker.logging;

import org.jspecify.annotations.NullMarked;
