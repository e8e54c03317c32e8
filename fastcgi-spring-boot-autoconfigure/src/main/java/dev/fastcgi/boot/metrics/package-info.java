/**
 * Micrometer metrics of the FastCGI server, fed by the engine's listener events.
 */
@NullMarked
package dev.fastcgi.boot.metrics;

import org.jspecify.annotations.NullMarked;
