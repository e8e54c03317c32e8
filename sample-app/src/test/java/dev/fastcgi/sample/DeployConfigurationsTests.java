package dev.fastcgi.sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Each web server's own configuration check accepts the files in {@code sample-app/deploy/} (skipped for a server
 * that is not installed). {@code SampleNginxDeployTests} also serves requests through the nginx one.
 */
class DeployConfigurationsTests {

	private static final Path DEPLOY = Path.of("deploy").toAbsolutePath();

	@TempDir
	Path directory;

	@Test
	void nginxConfigurationIsValid() throws Exception {
		assumeInstalled("/usr/sbin/nginx");
		Files.copy(Path.of("/etc/nginx/fastcgi_params"), this.directory.resolve("fastcgi_params"));
		Path temp = Files.createDirectories(this.directory.resolve("temp"));
		Path conf = write("nginx.conf", """
				worker_processes 1;
				pid %1$s/nginx.pid;
				error_log %1$s/error.log;
				events {}
				http {
				    access_log off;
				    client_body_temp_path %2$s;
				    fastcgi_temp_path %2$s;
				    proxy_temp_path %2$s;
				    uwsgi_temp_path %2$s;
				    scgi_temp_path %2$s;
				    include %3$s;
				}
				""".formatted(this.directory, temp, DEPLOY.resolve("nginx/fastcgi-sample.conf")));
		assertValid(List.of("/usr/sbin/nginx", "-t", "-p", this.directory.toString(), "-c", conf.toString()),
				"syntax is ok");
	}

	@Test
	void apacheConfigurationIsValid() throws Exception {
		assumeInstalled("/usr/sbin/apache2");
		Path conf = write("httpd.conf", """
				ServerRoot /usr/lib/apache2
				ServerName localhost
				PidFile %1$s/httpd.pid
				ErrorLog %1$s/error.log
				LoadModule mpm_event_module modules/mod_mpm_event.so
				LoadModule authz_core_module modules/mod_authz_core.so
				LoadModule proxy_module modules/mod_proxy.so
				LoadModule proxy_fcgi_module modules/mod_proxy_fcgi.so
				Listen 127.0.0.1:8080
				Include %2$s
				""".formatted(this.directory, DEPLOY.resolve("apache/fastcgi-sample.conf")));
		assertValid(List.of("/usr/sbin/apache2", "-t", "-f", conf.toString()), "Syntax OK");
	}

	@Test
	void lighttpdConfigurationIsValid() throws Exception {
		assumeInstalled("/usr/sbin/lighttpd");
		Path conf = write("lighttpd.conf", """
				server.document-root = "%1$s"
				server.port = 8080
				include "%2$s"
				""".formatted(this.directory, DEPLOY.resolve("lighttpd/fastcgi-sample.conf")));
		assertValid(List.of("/usr/sbin/lighttpd", "-tt", "-f", conf.toString()), "");
	}

	@Test
	void haproxyConfigurationIsValid() throws Exception {
		assumeInstalled("/usr/sbin/haproxy");
		assertValid(List.of("/usr/sbin/haproxy", "-c", "-f", DEPLOY.resolve("haproxy/fastcgi-sample.cfg").toString()),
				"Configuration file is valid");
	}

	@Test
	void systemdUnitsNameTheSocketAndTheJar() throws IOException {
		String service = Files.readString(DEPLOY.resolve("systemd/fastcgi-sample.service"));
		assertThat(service).contains("RuntimeDirectory=fastcgi-sample",
				"FASTCGI_BIND_ADDRESS=unix:/run/fastcgi-sample/fcgi.sock", "ExecStart=/usr/bin/java -jar",
				"SuccessExitStatus=143");
		String activated = Files.readString(DEPLOY.resolve("systemd/fastcgi-sample-activated.service"));
		assertThat(activated).contains("StandardInput=socket", "FASTCGI_BIND_ADDRESS=fd:0");
	}

	private Path write(String name, String content) throws IOException {
		return Files.writeString(this.directory.resolve(name), content);
	}

	private static void assumeInstalled(String binary) {
		assumeThat(Files.isExecutable(Path.of(binary))).as(binary + " is installed").isTrue();
	}

	private static void assertValid(List<String> command, String expectedOutput) throws Exception {
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		process.getOutputStream().close();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
		assertThat(process.exitValue()).as(output).isZero();
		assertThat(output).contains(expectedOutput);
	}

}
