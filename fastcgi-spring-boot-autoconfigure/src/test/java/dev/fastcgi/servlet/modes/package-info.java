/**
 * Tests of the FastCGI roles and modes as a servlet application sees them: AUTHORIZER, FILTER, STDERR.
 */
package dev.fastcgi.servlet.modes;
