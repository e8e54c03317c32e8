/**
 * Auto-configuration of the FastCGI servlet web server, its {@code fastcgi.*} properties and startup failure
 * analysis.
 */
@NullMarked
package dev.fastcgi.boot.autoconfigure;

import org.jspecify.annotations.NullMarked;
