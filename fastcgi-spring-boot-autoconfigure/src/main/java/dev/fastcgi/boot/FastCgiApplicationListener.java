package dev.fastcgi.boot;

import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;

import dev.fastcgi.server.ShutdownSignals;
import dev.fastcgi.server.cgi.CgiRunner;
import dev.fastcgi.server.cgi.CgiStdout;

/**
 * Once the application is ready: in CGI mode (see {@link CgiModeEnvironmentPostProcessor}) serves the one CGI request
 * from the environment and stdin through the servlet container, writes the response to stdout, closes the context
 * and exits with the request's status (0 when a response was written); otherwise, when a {@link FastCgiWebServer}
 * runs and {@code fastcgi.handle-signals} is not false, installs {@link ShutdownSignals} so that SIGTERM, SIGINT and
 * SIGHUP stop the application gracefully with exit status 0.
 */
public class FastCgiApplicationListener implements ApplicationListener<ApplicationReadyEvent> {

	private static final Log logger = LogFactory.getLog(FastCgiApplicationListener.class);

	@Override
	public void onApplicationEvent(ApplicationReadyEvent event) {
		ConfigurableApplicationContext context = event.getApplicationContext();
		Environment environment = context.getEnvironment();
		FastCgiWebServer webServer = FastCgiWebServer.from(context);
		if (webServer == null) {
			return;
		}
		OutputStream stdout = CgiStdout.claimed();
		if (stdout != null && environment.getProperty(CgiModeEnvironmentPostProcessor.CGI_ACTIVE_PROPERTY,
				Boolean.class, false)) {
			int status = CgiRunner.run(webServer.getContainer(), System.getenv(), Map.of(), System.in, stdout,
					System.err, Duration.ofSeconds(60));
			System.exit(SpringApplication.exit(context, () -> status));
			return;
		}
		if (environment.getProperty("fastcgi.handle-signals", Boolean.class, true)) {
			List<String> handled = ShutdownSignals.install();
			if (logger.isDebugEnabled()) {
				logger.debug(handled.isEmpty() ? "Handling no signal (-Xrs, or all ignored when the process started)"
						: "Handling SIG" + String.join(", SIG", handled) + " as a graceful stop with exit status 0");
			}
		}
	}

}
