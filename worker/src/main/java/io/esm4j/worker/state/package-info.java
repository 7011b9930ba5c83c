@NullMarked
package io.esm4j.worker.state;

import org.jspecify.annotations.NullMarked;
