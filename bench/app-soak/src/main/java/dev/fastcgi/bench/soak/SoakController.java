package dev.fastcgi.bench.soak;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.ApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import dev.fastcgi.boot.FastCgiWebServer;

/**
 * The endpoints of the whole-app soak ({@code bench/soak-app.sh}): a session counter, a deliberate failure (the
 * error page), a multipart upload, a short server-sent event stream, a slow response for client aborts, and the
 * figures the script samples.
 */
@RestController
public class SoakController implements DisposableBean {

	private static final String COUNT_ATTRIBUTE = "soak.count";

	private static final int MAX_EVENTS = 100;

	private static final long MAX_DELAY_MILLIS = 5000;

	private static final long SSE_TIMEOUT_MILLIS = 10_000;

	private final ScheduledExecutorService events = Executors.newScheduledThreadPool(2, (runnable) -> {
		Thread thread = new Thread(runnable, "soak-sse");
		thread.setDaemon(true);
		return thread;
	});

	private final SessionCounter sessions;

	private final SoakFilter filter;

	private final ApplicationContext context;

	/**
	 * Create a new controller.
	 * @param sessions the session listener
	 * @param filter the soak filter (request count)
	 * @param context the application context (for the FastCGI server's figures)
	 */
	public SoakController(SessionCounter sessions, SoakFilter filter, ApplicationContext context) {
		this.sessions = sessions;
		this.filter = filter;
		this.context = context;
	}

	/**
	 * Increments a counter in the caller's session, creating the session if the request has none.
	 * @param session the session
	 * @return {@code count=<n> new=<whether the session was created by this request>}
	 */
	@GetMapping(path = "/soak/session", produces = MediaType.TEXT_PLAIN_VALUE)
	public String session(HttpSession session) {
		Integer count = (Integer) session.getAttribute(COUNT_ATTRIBUTE);
		int next = (count != null) ? count + 1 : 1;
		session.setAttribute(COUNT_ATTRIBUTE, next);
		return "count=" + next + " new=" + session.isNew() + "\n";
	}

	/**
	 * Always throws: the container logs it and renders Boot's error page with status 500.
	 * @return never
	 */
	@GetMapping("/soak/fail")
	public String fail() {
		throw new SoakFailureException("deliberate /soak/fail");
	}

	/**
	 * Reads a multipart upload: a {@code file} part and a {@code note} field.
	 * @param file the file part
	 * @param note the text field
	 * @return {@code name=<file name> bytes=<n> crc32=<hex> note=<note>}
	 * @throws IOException if the part cannot be read
	 */
	@PostMapping(path = "/soak/upload", produces = MediaType.TEXT_PLAIN_VALUE)
	public String upload(@RequestParam("file") MultipartFile file, @RequestParam("note") String note)
			throws IOException {
		byte[] buffer = new byte[8192];
		CRC32 crc = new CRC32();
		long total = 0;
		try (InputStream in = file.getInputStream()) {
			for (int n = in.read(buffer); n != -1; n = in.read(buffer)) {
				crc.update(buffer, 0, n);
				total += n;
			}
		}
		return "name=" + file.getOriginalFilename() + " bytes=" + total + " crc32=" + Long.toHexString(crc.getValue())
				+ " note=" + note + "\n";
	}

	/**
	 * Sends {@code events} server-sent events {@code delayMs} apart from another thread, then completes.
	 * @param count how many events (at most 100)
	 * @param delayMillis the pause before each event (at most 5 s)
	 * @param response the response (to disable nginx's buffering)
	 * @return the emitter
	 */
	@GetMapping(path = "/soak/sse", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	public SseEmitter sse(@RequestParam(name = "events", defaultValue = "5") int count,
			@RequestParam(name = "delayMs", defaultValue = "10") long delayMillis, HttpServletResponse response) {
		response.setHeader("X-Accel-Buffering", "no");
		SseEmitter emitter = new SseEmitter(SSE_TIMEOUT_MILLIS);
		int total = Math.max(1, Math.min(MAX_EVENTS, count));
		long delay = Math.max(0, Math.min(MAX_DELAY_MILLIS, delayMillis));
		scheduleEvent(emitter, 1, total, delay);
		return emitter;
	}

	private void scheduleEvent(SseEmitter emitter, int index, int total, long delayMillis) {
		this.events.schedule(() -> {
			try {
				emitter.send(SseEmitter.event().id(Integer.toString(index)).name("tick").data("event " + index));
			}
			catch (IOException | IllegalStateException ex) {
				// the client went away: the container tells Spring MVC, which completes the emitter
				return;
			}
			if (index < total) {
				scheduleEvent(emitter, index + 1, total, delayMillis);
			}
			else {
				emitter.complete();
			}
		}, delayMillis, TimeUnit.MILLISECONDS);
	}

	/**
	 * Answers after {@code ms} milliseconds (at most 5 s) on the request thread: the soak's clients give up before.
	 * @param millis how long to wait
	 * @return {@code slow}
	 * @throws InterruptedException if interrupted
	 */
	@GetMapping(path = "/soak/slow", produces = MediaType.TEXT_PLAIN_VALUE)
	public String slow(@RequestParam(name = "ms", defaultValue = "500") long millis) throws InterruptedException {
		Thread.sleep(Math.max(0, Math.min(MAX_DELAY_MILLIS, millis)));
		return "slow\n";
	}

	/**
	 * The figures the soak script samples, after a full garbage collection: heap used, live sessions (as counted by
	 * the application's session listener and by the container), sessions created, requests seen by the filter and
	 * by the FastCGI server, open FastCGI connections, JVM threads.
	 * @return the figures
	 */
	@GetMapping("/soak/stats")
	public Map<String, Object> stats() {
		MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
		memory.gc();
		Map<String, Object> stats = new LinkedHashMap<>();
		stats.put("heapAfterGcKib", memory.getHeapMemoryUsage().getUsed() / 1024);
		stats.put("sessionsLive", this.sessions.getLive());
		stats.put("sessionsCreated", this.sessions.getCreated());
		stats.put("sessionsDestroyed", this.sessions.getDestroyed());
		stats.put("filterRequests", this.filter.getRequests());
		FastCgiWebServer webServer = FastCgiWebServer.from(this.context);
		if (webServer != null) {
			stats.put("containerSessions", webServer.getContainer().activeSessions());
			stats.put("fastcgiRequests", webServer.getServer().snapshot().totalRequests());
			stats.put("fastcgiConnections", webServer.getServer().snapshot().activeConnections());
		}
		stats.put("jvmThreads", ManagementFactory.getThreadMXBean().getThreadCount());
		return stats;
	}

	@Override
	public void destroy() {
		this.events.shutdownNow();
	}

}
