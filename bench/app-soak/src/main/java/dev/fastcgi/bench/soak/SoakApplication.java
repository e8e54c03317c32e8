package dev.fastcgi.bench.soak;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

import dev.fastcgi.bench.app.BenchController;

/**
 * The app of {@code bench/soak-app.sh}: the benchmarked endpoints ({@link BenchController}) and the
 * {@link SoakController} endpoints on fastcgi-spring-boot-starter, with the actuator. The FastCGI address and the
 * session timeout come from the command line ({@code --fastcgi.bind-address},
 * {@code --server.servlet.session.timeout}).
 */
@SpringBootApplication
@Import(BenchController.class)
public class SoakApplication {

	public static void main(String[] args) {
		SpringApplication.run(SoakApplication.class, args);
	}

}
