package dev.fastcgi.sample;

import java.util.Map;

import jakarta.servlet.http.HttpSession;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.WebUtils;

/**
 * A per-session visit counter (the session cookie is issued by the FastCGI servlet container).
 */
@RestController
class SessionController {

	private static final String COUNT = "visits";

	@GetMapping("/session/counter")
	Map<String, Object> counter(HttpSession session) {
		synchronized (WebUtils.getSessionMutex(session)) {
			Integer visits = (Integer) session.getAttribute(COUNT);
			int next = (visits != null) ? visits + 1 : 1;
			session.setAttribute(COUNT, next);
			return Map.of("session", session.getId(), "visits", next);
		}
	}

}
