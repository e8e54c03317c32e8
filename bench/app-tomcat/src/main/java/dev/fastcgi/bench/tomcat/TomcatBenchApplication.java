package dev.fastcgi.bench.tomcat;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

import dev.fastcgi.bench.app.BenchController;

/**
 * The benchmarked app on embedded Tomcat over HTTP/1.1, with Boot's defaults ({@code --server.port} from the
 * command line). With {@code --bench.unix-socket=PATH} its connector listens on that Unix socket instead (Tomcat's
 * {@code unixDomainSocketPath}), for the rows that compare both servers over a Unix socket.
 */
@SpringBootApplication
@Import(BenchController.class)
public class TomcatBenchApplication {

	public static void main(String[] args) {
		SpringApplication.run(TomcatBenchApplication.class, args);
	}

	@Bean
	@ConditionalOnProperty("bench.unix-socket")
	WebServerFactoryCustomizer<TomcatServletWebServerFactory> unixSocket(@Value("${bench.unix-socket}") String path) {
		return (factory) -> factory.addConnectorCustomizers((connector) -> {
			connector.setProperty("unixDomainSocketPath", path);
			// nginx's workers run as another user
			connector.setProperty("unixDomainSocketPathPermissions", "rw-rw-rw-");
		});
	}

}
