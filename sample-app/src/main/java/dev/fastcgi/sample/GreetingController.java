package dev.fastcgi.sample;

import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.util.StringUtils;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * The JSON API: list, read and create greetings; {@code /api/fail} is the error case (an uncaught exception, which
 * Boot turns into a JSON 500 through its {@code /error} page).
 */
@RestController
@RequestMapping("/api")
class GreetingController {

	private final AtomicLong ids = new AtomicLong();

	private final Map<Long, Greeting> greetings = new ConcurrentSkipListMap<>();

	@GetMapping("/hello")
	Map<String, String> hello(@RequestParam(defaultValue = "world") String name) {
		return Map.of("message", "Hello, " + name + "!");
	}

	@GetMapping("/greetings")
	Collection<Greeting> list() {
		return this.greetings.values();
	}

	@GetMapping("/greetings/{id}")
	Greeting get(@PathVariable long id) {
		Greeting greeting = this.greetings.get(id);
		if (greeting == null) {
			throw new ResponseStatusException(HttpStatus.NOT_FOUND, "No greeting " + id);
		}
		return greeting;
	}

	@PostMapping("/greetings")
	ResponseEntity<Greeting> create(@RequestBody NewGreeting request) {
		if (!StringUtils.hasText(request.name())) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "name is required");
		}
		long id = this.ids.incrementAndGet();
		Greeting greeting = new Greeting(id, request.name(), "Hello, " + request.name() + "!", Instant.now());
		this.greetings.put(id, greeting);
		return ResponseEntity
			.created(ServletUriComponentsBuilder.fromCurrentRequest().path("/{id}").buildAndExpand(id).toUri())
			.body(greeting);
	}

	@GetMapping("/fail")
	Greeting fail() {
		throw new IllegalStateException("This endpoint always fails");
	}

	/**
	 * The body of a create request.
	 * @param name who to greet
	 */
	record NewGreeting(String name) {
	}

}
