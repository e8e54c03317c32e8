package dev.fastcgi.sample;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.annotation.PreDestroy;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * A server-sent event stream: {@code count} ticks, {@code intervalMillis} apart (servlet async). Behind nginx, the
 * deploy configuration turns {@code fastcgi_buffering} off so that each event reaches the browser at once.
 */
@RestController
class EventsController {

	private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "sample-events");
		thread.setDaemon(true);
		return thread;
	});

	@GetMapping(path = "/events", produces = "text/event-stream")
	SseEmitter events(@RequestParam(defaultValue = "5") int count,
			@RequestParam(defaultValue = "200") long intervalMillis) {
		int ticks = Math.max(1, Math.min(count, 100));
		SseEmitter emitter = new SseEmitter(Duration.ofMinutes(1).toMillis());
		AtomicInteger sent = new AtomicInteger();
		AtomicReference<ScheduledFuture<?>> future = new AtomicReference<>();
		future.set(this.scheduler.scheduleAtFixedRate(() -> {
			int tick = sent.incrementAndGet();
			try {
				emitter.send(SseEmitter.event().id(String.valueOf(tick)).name("tick").data("tick " + tick));
				if (tick >= ticks) {
					emitter.complete();
					future.get().cancel(false);
				}
			}
			catch (IOException | IllegalStateException ex) {
				future.get().cancel(false);
			}
		}, 0, Math.max(intervalMillis, 1), TimeUnit.MILLISECONDS));
		emitter.onCompletion(() -> cancel(future));
		emitter.onTimeout(() -> cancel(future));
		emitter.onError((ex) -> cancel(future));
		return emitter;
	}

	private static void cancel(AtomicReference<ScheduledFuture<?>> future) {
		ScheduledFuture<?> scheduled = future.get();
		if (scheduled != null) {
			scheduled.cancel(false);
		}
	}

	@PreDestroy
	void shutdown() {
		this.scheduler.shutdownNow();
	}

}
