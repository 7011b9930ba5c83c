/** Source factories: how a Lambda-shaped mapping becomes an esm-core mapping; the SPI for further sources. */
@NullMarked
package io.esm4j.worker.source;

import org.jspecify.annotations.NullMarked;
