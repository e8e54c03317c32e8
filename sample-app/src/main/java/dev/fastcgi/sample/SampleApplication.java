package dev.fastcgi.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A small Spring MVC application served over FastCGI: a JSON API, an HTML form, a file upload, a server-sent event
 * stream, a session counter and an error case, with actuator's health, metrics and fastcgi endpoints. Put a web
 * server in front of it with one of the configurations in {@code sample-app/deploy/}.
 */
@SpringBootApplication
public class SampleApplication {

	public static void main(String[] args) {
		SpringApplication.run(SampleApplication.class, args);
	}

}
