@NullMarked
package io.esm4j.worker.http;

import org.jspecify.annotations.NullMarked;
