package dev.fastcgi.bench.tomcat;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

import dev.fastcgi.bench.app.BenchController;

/**
 * The benchmarked app on embedded Tomcat over HTTP/1.1, with Boot's defaults ({@code --server.port} from the
 * command line).
 */
@SpringBootApplication
@Import(BenchController.class)
public class TomcatBenchApplication {

	public static void main(String[] args) {
		SpringApplication.run(TomcatBenchApplication.class, args);
	}

}
