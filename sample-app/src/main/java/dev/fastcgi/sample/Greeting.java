package dev.fastcgi.sample;

import java.time.Instant;

/**
 * A greeting of the JSON API.
 * @param id the identifier
 * @param name who is greeted
 * @param message the greeting
 * @param createdAt when it was created
 */
public record Greeting(long id, String name, String message, Instant createdAt) {
}
