/**
 * Auto-configuration of the FastCGI server's Micrometer metrics.
 */
@NullMarked
package dev.fastcgi.boot.autoconfigure.metrics;

import org.jspecify.annotations.NullMarked;
