/**
 * Test support for applications using the starter: a FastCGI client bound to the running server, injectable in
 * {@code @SpringBootTest(webEnvironment = RANDOM_PORT)} tests.
 */
@NullMarked
package dev.fastcgi.boot.test;

import org.jspecify.annotations.NullMarked;
