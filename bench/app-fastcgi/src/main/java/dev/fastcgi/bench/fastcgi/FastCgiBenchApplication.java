package dev.fastcgi.bench.fastcgi;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

import dev.fastcgi.bench.app.BenchController;

/**
 * The benchmarked app served over FastCGI by fastcgi-spring-boot-starter. Port and mode come from the command line
 * ({@code --fastcgi.bind-address}, {@code --fastcgi.multiplexed}).
 */
@SpringBootApplication
@Import(BenchController.class)
public class FastCgiBenchApplication {

	public static void main(String[] args) {
		SpringApplication.run(FastCgiBenchApplication.class, args);
	}

}
