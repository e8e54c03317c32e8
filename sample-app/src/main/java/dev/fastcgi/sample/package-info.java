/**
 * A sample Spring MVC application served over FastCGI by the starter.
 */
package dev.fastcgi.sample;
