/** The worker's container image, built without a Docker daemon: an OCI image layout in a tar file. */
@NullMarked
package io.esm4j.worker.image;

import org.jspecify.annotations.NullMarked;
