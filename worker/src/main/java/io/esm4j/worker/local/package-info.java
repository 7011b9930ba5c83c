@NullMarked
package io.esm4j.worker.local;

import org.jspecify.annotations.NullMarked;
