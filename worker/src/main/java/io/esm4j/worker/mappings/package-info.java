/** The worker's mappings: the file's and the API's, where they are stored, and running them. */
@NullMarked
package io.esm4j.worker.mappings;

import org.jspecify.annotations.NullMarked;
