/**
 * Actuator support for the FastCGI server: a health indicator and a read-only {@code fastcgi} endpoint.
 */
@NullMarked
package dev.fastcgi.boot.actuate;

import org.jspecify.annotations.NullMarked;
