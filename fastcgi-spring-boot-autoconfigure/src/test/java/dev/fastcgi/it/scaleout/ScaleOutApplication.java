package dev.fastcgi.it.scaleout;

import java.security.Principal;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.session.jdbc.config.annotation.web.http.EnableJdbcHttpSession;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The application that is scaled out: sessions in Spring Session JDBC (the database given by {@code scaleout.jdbc-url}
 * and {@code scaleout.jdbc-username}), Spring Security form login with CSRF and an in-memory user, and a protected page
 * that names the instance ({@code instance} property) that served it. Boot registers the session and security filters
 * as filter beans, the session filter first (its order).
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableJdbcHttpSession
@EnableWebSecurity
@Import(ScaleOutApplication.WhoAmIController.class)
class ScaleOutApplication {

	@Bean
	HikariDataSource dataSource(Environment environment) {
		// a small pool built by hand: the Boot JDBC module (and its auto-configuration) stays off the test classpath
		HikariDataSource dataSource = new HikariDataSource();
		dataSource.setJdbcUrl(environment.getRequiredProperty("scaleout.jdbc-url"));
		dataSource.setUsername(environment.getRequiredProperty("scaleout.jdbc-username"));
		dataSource.setMaximumPoolSize(4);
		dataSource.setMinimumIdle(1);
		return dataSource;
	}

	@Bean
	PlatformTransactionManager transactionManager(DataSource dataSource) {
		return new DataSourceTransactionManager(dataSource);
	}

	@Bean
	SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
		http.authorizeHttpRequests((requests) -> requests.requestMatchers("/login", "/error")
			.permitAll()
			.anyRequest()
			.authenticated()).formLogin(Customizer.withDefaults());
		return http.build();
	}

	@Bean
	UserDetailsService userDetailsService() {
		return new InMemoryUserDetailsManager(User.withUsername("user").password("{noop}secret").roles("USER").build());
	}

	/** The protected page: which instance served it, for whom. */
	@RestController
	static class WhoAmIController {

		private final String instance;

		WhoAmIController(@Value("${instance}") String instance) {
			this.instance = instance;
		}

		@GetMapping("/whoami")
		String whoami(Principal principal) {
			return this.instance + " " + principal.getName();
		}

	}

}
