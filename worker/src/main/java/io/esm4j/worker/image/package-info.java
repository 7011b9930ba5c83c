@NullMarked
package io.esm4j.worker.image;

import org.jspecify.annotations.NullMarked;
