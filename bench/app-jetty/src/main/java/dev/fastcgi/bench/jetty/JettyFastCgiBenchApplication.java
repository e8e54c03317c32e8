package dev.fastcgi.bench.jetty;

import org.eclipse.jetty.fcgi.server.ServerFCGIConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.ServerConnector;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.jetty.JettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

import dev.fastcgi.bench.app.BenchController;

/**
 * The benchmarked app on Jetty 12 with {@code jetty-fcgi-server}: the HTTP connector Boot creates is replaced by a
 * single FastCGI connector on {@code bench.fcgi.host}:{@code bench.fcgi.port} (loopback by default).
 */
@SpringBootApplication
@Import(BenchController.class)
public class JettyFastCgiBenchApplication {

	public static void main(String[] args) {
		SpringApplication.run(JettyFastCgiBenchApplication.class, args);
	}

	@Bean
	JettyServerCustomizer fastCgiConnectorOnly(@Value("${bench.fcgi.host:127.0.0.1}") String host,
			@Value("${bench.fcgi.port:9000}") int port) {
		return (server) -> {
			ServerConnector fcgi = new ServerConnector(server,
					new ServerFCGIConnectionFactory(new HttpConfiguration()));
			fcgi.setHost(host);
			fcgi.setPort(port);
			server.setConnectors(new Connector[] { fcgi });
		};
	}

}
