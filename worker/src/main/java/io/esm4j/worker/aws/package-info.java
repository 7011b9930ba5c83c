/** AWS request signing shared by the worker's own HTTP calls to AWS services; not an API. */
@NullMarked
package io.esm4j.worker.aws;

import org.jspecify.annotations.NullMarked;
