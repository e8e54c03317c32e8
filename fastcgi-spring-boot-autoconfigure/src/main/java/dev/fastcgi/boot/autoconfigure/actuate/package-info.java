/**
 * Auto-configuration of the FastCGI health indicator and actuator endpoint.
 */
@NullMarked
package dev.fastcgi.boot.autoconfigure.actuate;

import org.jspecify.annotations.NullMarked;
